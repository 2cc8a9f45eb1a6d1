"""The ``sloi`` command: builds the lecture's models and prints their summaries."""

import subprocess
import sys

from sloi.cli.main import main


def test_sloi_prints_both_lecture_summaries(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    assert out.count('Model: "functional') == 2 and out.count('Model: "sequential') == 5
    assert "Total params: 16,305 (63.69 KB)" in out
    assert "Total params: 266,401 (1.02 MB)" in out
    assert "concatenate (Concatenate)" in out
    for total in ("6,004", "80,266", "1,844", "1,520"):
        assert f"Total params: {total} " in out


def test_console_script_runs_as_a_module():
    result = subprocess.run([sys.executable, "-m", "sloi.cli.main", "--version"],
                            capture_output=True, text=True, check=True)
    assert result.stdout.startswith("sloi ")
