"""The benchmark scripts that ``benchmarks/cuda_all.sh`` runs on a lent GPU, run here on the
CPU with the smallest sizes: a script broken by a change would otherwise be found on the
device, in its few minutes. Nothing is timed or compared here."""

from __future__ import annotations

import importlib
import os

import pytest

import sloi

BENCHMARKS = os.path.join(os.path.dirname(__file__), "..", "..", "benchmarks")


@pytest.fixture
def bench(monkeypatch):
    """Imports a benchmark script; the device it chooses is put back afterwards."""
    monkeypatch.syspath_prepend(os.path.abspath(BENCHMARKS))
    before = sloi.config.get_device()
    yield importlib.import_module
    sloi.config.set_device(before)


def test_step_overhead(bench, capsys):
    bench("step_overhead").main(["--batches", "2", "--repeats", "1", "--threads", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert len(rows) == 1 + 6  # the header and the six models
    assert all(len(row.split("|")) == 9 for row in rows)


def test_predict_overhead(bench, capsys):
    bench("predict_overhead").main(["--layer", "GRU", "--steps", "3", "--units", "4",
                                    "--batch", "2", "--batches", "2"])
    assert "GRU, cpu, batch 2, 3 steps: hand-written" in capsys.readouterr().out


def test_conv1d_probe(bench, capsys):
    bench("conv1d_probe").main(["--steps", "1", "--rows", "3"])
    out = capsys.readouterr().out
    assert "== hand-written, 1 steps on cpu" in out and "== sloi, 1 steps on cpu" in out


def test_train_table(bench, capsys):
    bench("train").main(["--only", "Dense", "--no-keras", "--epochs", "2"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert rows[-1].startswith("| functional Dense")


def test_step_calls(bench, capsys):
    bench("step_calls").main(["--batches", "2"])
    rows = [line.split("|")[1:-1] for line in capsys.readouterr().out.splitlines()
            if line.startswith("| fit") or line.startswith("| train_on_batch")]
    assert [(r[0].strip(), r[1].strip()) for r in rows] == [
        ("fit", "none"), ("train_on_batch", "none"), ("fit", "mae"), ("train_on_batch", "mae")]
    python_calls = [float(r[2]) for r in rows]
    assert all(calls > 0 for calls in python_calls)
    # a metric adds work to every step, and train_on_batch sets up what fit sets up once
    assert python_calls[2] > python_calls[0] and python_calls[1] > python_calls[0]


def test_rnn_backward_crossover(bench, capsys):
    from sloi.kernels import rnn_backward

    default = rnn_backward.pays
    bench("rnn_backward_crossover").main(["--steps", "2", "--units", "4", "--batch", "2",
                                          "--repeats", "1"])
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| ")]
    assert [row.split("|")[1].strip() for row in rows] == ["layer", "SimpleRNN", "GRU"]
    assert rnn_backward.pays is default  # the size rule it set aside is back
