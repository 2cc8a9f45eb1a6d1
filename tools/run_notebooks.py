"""Executes the lecture notebooks with nbclient and stores their outputs in place.

    python tools/run_notebooks.py                 # both notebooks, the full run
    python tools/run_notebooks.py --fast          # SLOI_NOTEBOOK_FAST=1: less data, fewer epochs
    python tools/run_notebooks.py docs/lecture.ipynb

The notebooks are first rewritten from tools/make_notebooks.py (so the stored cells are the
source's), then run top to bottom in a fresh kernel whose working folder is a temporary one
(the diagrams they write land there). A cell error stops the run and leaves the file as it was.
Needs the doc extra: pip install "sloi[notebooks]".
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tools"))

import make_notebooks  # noqa: E402


def execute(nb_dict: dict, fast: bool, timeout: int = 1200):
    """Run a notebook (a dict as make_notebooks writes it); returns the executed
    ``nbformat`` notebook. Raises ``nbclient.exceptions.CellExecutionError`` on a cell error."""
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.reads(json.dumps(nb_dict), as_version=4)
    env_before = os.environ.get("SLOI_NOTEBOOK_FAST")
    os.environ["SLOI_NOTEBOOK_FAST"] = "1" if fast else "0"
    # the kernel imports this checkout's sloi, wherever it is started
    path_before = os.environ.get("PYTHONPATH")
    os.environ["PYTHONPATH"] = os.pathsep.join(p for p in (str(ROOT), path_before) if p)
    try:
        with tempfile.TemporaryDirectory(prefix="sloi-notebook-") as work:
            client = NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                    resources={"metadata": {"path": work}},
                                    record_timing=False)
            client.execute()
    finally:
        for name, value in (("SLOI_NOTEBOOK_FAST", env_before), ("PYTHONPATH", path_before)):
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
    return nb


def refresh_text(path: Path, source: dict) -> None:
    """Replace the markdown cells of the stored notebook at ``path`` by ``source``'s; the code
    cells (and so the outputs) must be the same, else this raises and writes nothing."""
    stored = json.loads(path.read_text(encoding="utf-8"))
    if len(stored["cells"]) != len(source["cells"]):
        raise SystemExit(f"{path}: the cells changed in number: run the notebooks again")
    for got, want in zip(stored["cells"], source["cells"]):
        if got["cell_type"] != want["cell_type"] or (
                got["cell_type"] == "code" and "".join(got["source"]) != "".join(
                    want["source"])):
            raise SystemExit(f"{path}: a code cell changed: run the notebooks again")
        if got["cell_type"] == "markdown":
            got["source"] = want["source"]
    tmp = path.with_suffix(".ipynb.tmp")
    tmp.write_text(json.dumps(stored, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    tmp.replace(path)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", help="notebooks to run (default: both)")
    parser.add_argument("--fast", action="store_true", help="SLOI_NOTEBOOK_FAST=1")
    parser.add_argument("--text-only", action="store_true",
                        help="rewrite the text (markdown) cells from the source and keep the "
                             "stored outputs; refused if a code cell changed")
    args = parser.parse_args(argv)
    import nbformat

    if args.text_only:
        for language, path in make_notebooks.TARGETS.items():
            refresh_text(path, make_notebooks.notebook(language))
            print(f"{path.relative_to(ROOT)}: text cells rewritten, outputs kept")
        return 0

    wanted = {Path(p).resolve() for p in args.paths}
    for language, path in make_notebooks.TARGETS.items():
        if wanted and path not in wanted:
            continue
        start = time.perf_counter()
        nb = execute(make_notebooks.notebook(language), args.fast)
        tmp = path.with_suffix(".ipynb.tmp")
        nbformat.write(nb, str(tmp))
        tmp.replace(path)
        print(f"{path.relative_to(ROOT)}: executed in {time.perf_counter() - start:.0f} s "
              f"({'fast' if args.fast else 'full'} mode)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
