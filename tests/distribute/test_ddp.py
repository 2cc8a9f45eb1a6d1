"""fit / evaluate under torch.distributed: 2 CPU processes (gloo) against one process.

The workers (ddp_worker.py) get torchrun's environment variables and a free localhost port;
one process here trains the same model on the same global batches (same seed, so the same
initial weights and the same shuffle order, which rank 0 draws and broadcasts)."""

import json
import os
import sys

import numpy as np
import pytest
import torch

import sloi

HERE = os.path.dirname(__file__)
sys.path.insert(0, HERE)

from ddp_common import SEED, build_model, data, run_workers  # noqa: E402


@pytest.fixture(scope="module")
def two_processes(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp")
    run_workers("ddp_worker.py", out)
    reports = [json.loads((out / f"report{r}.json").read_text()) for r in range(2)]
    weights = [list(np.load(out / f"weights{r}.npz").values()) for r in range(2)]
    return out, reports, weights


@pytest.fixture(scope="module")
def one_process():
    torch.manual_seed(SEED)
    model = build_model()
    x, y = data()
    history = model.fit(x, y, batch_size=16, epochs=2, shuffle=True, verbose=0,
                        validation_data=(x[:24], y[:24]))
    evaluated = model.evaluate(x, y, batch_size=8, verbose=0, return_dict=True)
    return model.get_weights(), history.history, evaluated


def test_final_weights_equal_one_process_on_the_same_global_batches(two_processes,
                                                                    one_process):
    _, _, weights = two_processes
    reference, _, _ = one_process
    for rank_weights in weights:
        assert len(rank_weights) == len(reference)
        for got, want in zip(rank_weights, reference):
            np.testing.assert_allclose(got, want, atol=1e-5, rtol=0)


def test_every_rank_reports_the_global_metrics(two_processes, one_process):
    _, reports, _ = two_processes
    _, history, evaluated = one_process
    assert reports[0]["history"] == reports[1]["history"]
    assert reports[0]["evaluate"] == reports[1]["evaluate"]
    assert sorted(reports[0]["history"]) == sorted(history)
    for key, values in history.items():
        np.testing.assert_allclose(reports[0]["history"][key], values, atol=1e-5)
    for key, value in evaluated.items():
        np.testing.assert_allclose(reports[0]["evaluate"][key], value, atol=1e-5)
    assert [r["is_chief"] for r in reports] == [True, False]
    assert reports[0]["world_size"] == 2


def test_only_rank_0_writes_the_checkpoint(two_processes):
    out, _, _ = two_processes
    assert (out / "written_by_rank0" / "ckpt.weights.safetensors").is_file()
    assert not (out / "written_by_rank1").exists()


def test_generators_and_stateful_rnns_are_refused(two_processes):
    _, reports, _ = two_processes
    for report in reports:
        assert "generators and iterators (generator) cannot be trained on under distribution" \
            in report["refusals"]["generator"]
        assert "stateful RNNs cannot be trained under distribution" \
            in report["refusals"]["stateful"]


def test_training_in_a_group_without_data_parallel_is_refused(two_processes):
    _, reports, _ = two_processes
    for report in reports:
        assert report["refusals"]["no_strategy"].startswith(
            'Model "sequential": torch.distributed runs a group of 2 processes, but this '
            "process has no data-parallel strategy, so it would train alone. Create "
            "sloi.distribute.DataParallel() before training")


def test_data_parallel_without_a_launcher_says_how_to_start(monkeypatch):
    if torch.distributed.is_initialized():
        pytest.skip("a process group exists already")
    for key in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT"):
        monkeypatch.delenv(key, raising=False)
    with pytest.raises(RuntimeError, match=r"'RANK'.*start the script with torchrun"):
        sloi.distribute.DataParallel()
    assert sloi.distribute.current() is None
