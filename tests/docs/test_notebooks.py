"""The lecture notebooks (docs/ru/lecture.ipynb, docs/lecture.ipynb).

1. Both execute top to bottom in a fresh kernel in fast mode (SLOI_NOTEBOOK_FAST=1); any cell
   error fails the test.
2. The stored notebooks hold exactly the cells of tools/make_notebooks.py, executed in order in
   the full mode, with no error output; the lecture's parameter counts in their outputs equal
   what sloi counts today; a 3-epoch fit leaves at most 3 lines per epoch.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# the lecture's parameter counts: the dense model, the two branches, LSTM (options 1 and 2),
# the Bidirectional stack, Conv1D
LECTURE_COUNTS = [16_305, 266_401, 6_004, 6_004, 80_266, 1_520]


def _tool(name):
    spec = importlib.util.spec_from_file_location(f"sloi_tools_{name}",
                                                  ROOT / "tools" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.path.insert(0, str(ROOT / "tools"))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(ROOT / "tools"))
    return module


make_notebooks = _tool("make_notebooks")
LANGUAGES = sorted(make_notebooks.TARGETS)


def _text(value) -> str:
    """A notebook's text field: one string, or (as stored on disk) a list of lines."""
    return "".join(value) if isinstance(value, list) else value


def rendered_lines(outputs) -> list[str]:
    """The lines a front end shows for a cell's outputs: in a stream, a carriage return
    redraws its line; a display shows its text."""
    lines = []
    for out in outputs:
        if out["output_type"] == "stream":
            lines += [line.split("\r")[-1] for line in _text(out["text"]).split("\n")
                      if line.strip()]
        elif out["output_type"] in ("display_data", "execute_result"):
            lines += [x for x in _text(out["data"].get("text/plain", "")).split("\n")
                      if x.strip()]
    return lines


def _three_epoch_fit(nb) -> list:
    (cell,) = [c for c in nb["cells"] if c["cell_type"] == "code"
               and "epochs=3" in "".join(c["source"])]
    return cell["outputs"]


def _check_progress_bar(outputs):
    lines = rendered_lines(outputs)
    assert [x for x in lines if x.startswith("Epoch ")] == ["Epoch 1/3", "Epoch 2/3",
                                                           "Epoch 3/3"]
    assert len([x for x in lines if "━" in x]) == 3
    assert len(lines) <= 3 * 3, lines


@pytest.mark.parametrize("language", LANGUAGES)
def test_notebook_runs_in_fast_mode(language):
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    run_notebooks = _tool("run_notebooks")
    start = time.perf_counter()
    nb = run_notebooks.execute(make_notebooks.notebook(language), fast=True, timeout=300)
    seconds = time.perf_counter() - start
    first = "".join(nb.cells[2].outputs[0]["text"])
    assert "fast mode: True" in first
    assert not [o for c in nb.cells if c.cell_type == "code" for o in c.outputs
                if o["output_type"] == "error"]
    _check_progress_bar(_three_epoch_fit(nb))
    print(f"{language}: {seconds:.0f} s")


def _stored(language) -> dict:
    return json.loads(make_notebooks.TARGETS[language].read_text(encoding="utf-8"))


def _lecture_counts_today() -> list[int]:
    from sloi.cli import lecture

    models = [lecture.dense_model(), lecture.two_branch_model(), lecture.lstm_model(False),
              lecture.lstm_model(True), lecture.bidirectional_model(), lecture.conv1d_model()]
    for m in models:
        if not m.built:
            m.build((None, 1000))
    return [m.count_params() for m in models]


@pytest.mark.parametrize("language", LANGUAGES)
def test_stored_outputs_match_the_code(language):
    stored = _stored(language)
    expected = make_notebooks.notebook(language)
    assert len(stored["cells"]) == len(expected["cells"])
    for got, want in zip(stored["cells"], expected["cells"]):
        assert got["cell_type"] == want["cell_type"]
        assert "".join(got["source"]) == "".join(want["source"]), "stale cell: rerun " \
            "python tools/run_notebooks.py"
    code = [c for c in stored["cells"] if c["cell_type"] == "code"]
    # executed top to bottom, once, in one kernel
    assert [c["execution_count"] for c in code] == list(range(1, len(code) + 1))
    errors = [o for c in code for o in c["outputs"] if o["output_type"] == "error"]
    assert not errors
    assert "fast mode: False" in "".join(code[0]["outputs"][0]["text"])  # the full run

    texts = "\n".join(line for c in code for line in rendered_lines(c["outputs"]))
    shown = [int(t.replace(",", "")) for t in
             re.findall(r"Total params: ([\d,]+) \(", texts)]
    today = _lecture_counts_today()
    assert today == LECTURE_COUNTS  # sloi counts what the lecture's Keras counts
    for count in today:
        assert count in shown, f"{count:,} is not in the stored summaries {shown}"
    _check_progress_bar(_three_epoch_fit(stored))
    # every summary is stored as text and as an HTML table; the diagrams as SVG
    summaries = [o for c in code for o in c["outputs"]
                 if "Total params" in _text(o.get("data", {}).get("text/plain", ""))]
    assert summaries and all("text/html" in o["data"] for o in summaries)
    assert sum("image/svg+xml" in o.get("data", {}) for c in code for o in c["outputs"]) == 2


def test_both_notebooks_share_their_code():
    ru, en = (_stored(lang) for lang in ("ru", "en"))
    code = [["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
            for nb in (ru, en)]
    assert code[0] == code[1]
    # the Russian text is Russian, the English text is not
    md = [" ".join("".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "markdown")
          for nb in (ru, en)]
    cyrillic = [sum("а" <= ch.lower() <= "я" for ch in text) / len(text) for text in md]
    assert cyrillic[0] > 0.5 and cyrillic[1] < 0.02
