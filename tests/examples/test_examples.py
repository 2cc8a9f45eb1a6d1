"""Runs every program in examples/ as a test: each ``main()`` trains on its synthetic data
and asserts its own result (a loss that went down, accuracy above chance, a reloaded model
that predicts the same), so a regression in sloi fails here."""

import ast
import importlib.util
import time
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SCRIPTS = sorted(p for p in EXAMPLES.glob("*.py") if not p.name.startswith("_"))
# what an example may import: sloi in place of keras, numpy for the data, and the stdlib bits
# a Keras documentation example uses; never keras or torch themselves
ALLOWED_IMPORTS = {"sloi", "numpy", "os", "tempfile", "warnings"}


def _load(path):
    spec = importlib.util.spec_from_file_location(f"sloi_example_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_examples_the_issue_asks_for_exist():
    names = {p.stem for p in SCRIPTS}
    assert {
        "char_lstm_text_generation",
        "seq2seq_lstm",
        "conv1d_timeseries_classification",
        "lstm_timeseries_forecasting",
        "transformer_text_classification",
        "text_vectorization_classification",
        "generator_training",
    } <= names


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_imports_only_sloi(path):
    tree = ast.parse(path.read_text())
    imported = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            imported |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            imported.add(node.module.split(".")[0])
    assert imported <= ALLOWED_IMPORTS, imported - ALLOWED_IMPORTS


@pytest.mark.parametrize("path", SCRIPTS, ids=[p.stem for p in SCRIPTS])
def test_example_runs(path, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # whatever an example writes stays in the test's folder
    module = _load(path)
    start, cpu_start = time.perf_counter(), time.process_time()
    module.main()
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu_start
    with capsys.disabled():
        print(f"\n{path.stem}: {wall:.1f} s wall, {cpu:.1f} s cpu")
