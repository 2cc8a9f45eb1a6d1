"""Synchronized batch norm, stopping together and sharded predict: 2 CPU processes (gloo,
ddp_features_worker.py) against one process here, on the same global batches."""

import json
import os
import sys

import numpy as np
import pytest
import torch

import sloi
from sloi.distribute import stopping

sys.path.insert(0, os.path.dirname(__file__))

import ddp_common as common  # noqa: E402


@pytest.fixture(scope="module")
def run(tmp_path_factory):
    out = tmp_path_factory.mktemp("ddp_features")
    common.run_workers("ddp_features_worker.py", out)
    reports = [json.loads((out / f"report{r}.json").read_text()) for r in range(2)]

    def arrays(name):
        return [list(np.load(out / f"{name}{r}.npz").values()) for r in range(2)]

    return reports, arrays


def assert_same(got, want, atol):
    assert len(got) == len(want)
    for g, w in zip(got, want):
        np.testing.assert_allclose(g, w, atol=atol, rtol=0)


def max_difference(got, want):
    return max(float(np.max(np.abs(g - w))) for g, w in zip(got, want))


# ---------------------------------------------------------------- synchronized batch norm
@pytest.fixture(scope="module")
def bn_one_process():
    x, y = common.bn_data()
    torch.manual_seed(common.SEED)
    model = common.bn_model()
    model.fit(x, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    return model.get_weights()


def test_sync_batchnorm_trains_as_one_process_on_the_global_batches(run, bn_one_process):
    _, arrays = run
    # get_weights holds gamma, beta and the moving mean and variance of the layer
    for rank_weights in arrays("bn_sync_True_"):
        assert_same(rank_weights, bn_one_process, atol=1e-5)


def test_a_layer_built_synchronized_syncs_without_the_strategy_option(run, bn_one_process):
    _, arrays = run
    for rank_weights in arrays("bn_layer_synchronized_"):
        assert_same(rank_weights, bn_one_process, atol=1e-5)


def test_without_sync_each_process_normalizes_by_its_own_share(run, bn_one_process):
    _, arrays = run
    for rank_weights in arrays("bn_sync_False_"):
        assert max_difference(rank_weights, bn_one_process) > 1e-2


def test_global_moments_with_a_mask_are_those_of_the_whole_batch(run):
    reports, _ = run
    rng = np.random.default_rng(11)
    full = rng.standard_normal((6, 5, 4)) + 10.0
    mask = rng.random((6, 5)) > 0.3
    weights = mask[..., None].astype("float64")
    count = weights.sum(axis=(0, 1)) + 1e-7
    mean = (full * weights).sum(axis=(0, 1)) / count
    variance = (np.square(full - mean) * weights).sum(axis=(0, 1)) / count
    for report in reports:
        np.testing.assert_allclose(report["masked_moments"][0], mean, atol=1e-5)
        np.testing.assert_allclose(report["masked_moments"][1], variance, atol=1e-5)


def test_sync_batchnorm_is_off_by_default(run):
    reports, _ = run
    assert [r["default_sync_batchnorm"] for r in reports] == [False, False]


# ---------------------------------------------------------------- stopping together
def test_a_stop_on_one_process_stops_every_process_after_the_same_batch(run):
    reports, arrays = run
    for report in reports:
        assert report["stop"]["batches"] == [0, 1, 2, 3]
        assert report["stop"]["epochs"] == [0]
    x, y = common.data()
    torch.manual_seed(common.SEED)
    model = common.build_model()
    model.fit(x[:32], y[:32], batch_size=8, epochs=1, shuffle=False, verbose=0)  # 4 steps
    for rank_weights in arrays("stop_batch_"):
        assert_same(rank_weights, model.get_weights(), atol=1e-5)


def test_terminate_on_nan_on_one_process_restores_the_good_weights_everywhere(run):
    reports, arrays = run
    x, y = common.nan_data()
    torch.manual_seed(common.SEED)
    model = common.build_model()
    history = model.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0,
                        callbacks=[sloi.callbacks.TerminateOnNaN()])
    reference = model.get_weights()
    assert all(np.isfinite(w).all() for w in reference)
    for rank_weights in arrays("nan_"):
        assert_same(rank_weights, reference, atol=1e-5)
    for report in reports:
        assert report["nan_epochs"] == len(history.history["loss"]) == 1
        assert report["nan_raised"].startswith("NaN or Inf loss encountered at batch 2")


def test_which_callbacks_could_stop_in_a_batch():
    class Mine(sloi.callbacks.Callback):
        def on_batch_end(self, batch, logs=None):
            pass

    assert stopping.may_stop_per_batch(Mine())
    assert stopping.may_stop_per_batch(
        sloi.callbacks.LambdaCallback(on_train_batch_end=lambda batch, logs: None))
    assert not stopping.may_stop_per_batch(
        sloi.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: None))
    for cb in (sloi.callbacks.ProgbarLogger(), sloi.callbacks.History(),
               sloi.callbacks.EarlyStopping(), sloi.callbacks.Callback()):
        assert not stopping.may_stop_per_batch(cb)


# ---------------------------------------------------------------- sharded predict
def test_predict_shares_the_samples_and_returns_all_of_them_in_order(run):
    reports, arrays = run
    x, _ = common.data()
    x = x[:37]
    torch.manual_seed(common.SEED)
    model = common.build_model()
    want = [model.predict(x, batch_size=8, verbose=0)] * 2 + [model.predict(x[:1], verbose=0)]
    for as_dict in (False, True):
        torch.manual_seed(common.SEED)
        out = common.two_output_model(as_dict).predict(x, batch_size=6, verbose=0)
        want += [out["first"], out["second"]] if as_dict else list(out)
    for rank_arrays in arrays("predict_"):
        assert [a.shape for a in rank_arrays] == [w.shape for w in want]
        assert_same(rank_arrays, want, atol=1e-6)
    for report in reports:
        assert report["predict_dict_True"] == "dict"
        assert report["predict_dict_False"] == "list"
        assert "generators and iterators (generator) cannot be predicted on under " \
            "distribution" in report["predict_generator"]
