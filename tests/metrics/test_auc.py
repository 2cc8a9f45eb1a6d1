"""AUC against keras.metrics.AUC: curves, summation methods, thresholds, multi-label."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.metrics.metric_parity import assert_same_metric, rng


def _batches(r, shape_of, weights=None, logits=False):
    batches = []
    for n in (40, 25, 33):
        shape = shape_of(n)
        y_true = r.integers(0, 2, shape)
        # Scores correlated with the labels, with some on the evenly spaced thresholds.
        y_pred = np.clip(0.35 * y_true + 0.65 * r.random(shape), 0, 1).astype("float32")
        y_pred.reshape(-1)[:4] = [0.0, 1.0, 0.5, 0.25]
        if logits:
            y_pred = (r.normal(size=shape) + 2 * y_true - 1).astype("float32")
        sw = {None: None, "per_sample": r.random(n).astype("float32"),
              "full": r.random(shape).astype("float32")}[weights]
        batches.append((y_true, y_pred, sw))
    return batches


@pytest.mark.parametrize("curve", ["ROC", "PR", "PRGAIN"])
@pytest.mark.parametrize("summation_method", ["interpolation", "minoring", "majoring"])
@pytest.mark.parametrize("weights", [None, "per_sample"])
def test_curves_and_summations(curve, summation_method, weights):
    batches = _batches(rng(1), lambda n: (n, 1), weights)
    kwargs = {"curve": curve, "summation_method": summation_method}
    assert_same_metric(M.AUC(**kwargs), keras.metrics.AUC(**kwargs), batches)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("kwargs", [
    {"num_thresholds": 3}, {"num_thresholds": 7}, {"num_thresholds": 1000},
    {"thresholds": [0.5, 0.1, 0.8, 0.33]},          # explicit, not evenly spaced: sorted first
    {"thresholds": [0.25, 0.5, 0.75]},               # explicit and evenly spaced
])
def test_thresholds(curve, kwargs):
    batches = _batches(rng(2), lambda n: (n, 2), "full")
    assert_same_metric(M.AUC(curve=curve, **kwargs), keras.metrics.AUC(curve=curve, **kwargs),
                       batches)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
def test_pooled_with_label_weights_and_logits(curve):
    batches = _batches(rng(3), lambda n: (n, 3), "per_sample", logits=True)
    kwargs = {"curve": curve, "from_logits": True, "label_weights": [0.2, 1.0, 0.5]}
    assert_same_metric(M.AUC(**kwargs), keras.metrics.AUC(**kwargs), batches)


@pytest.mark.parametrize("curve", ["ROC", "PR"])
@pytest.mark.parametrize("kwargs", [{}, {"num_labels": 3}, {"label_weights": [0.2, 1.0, 0.5]},
                                    {"thresholds": [0.1, 0.6, 0.3]}])
@pytest.mark.parametrize("weights", [None, "per_sample", "full"])
def test_multi_label(curve, kwargs, weights):
    batches = _batches(rng(4), lambda n: (n, 3), weights)
    kwargs = {"curve": curve, "multi_label": True, **kwargs}
    assert_same_metric(M.AUC(**kwargs), keras.metrics.AUC(**kwargs), batches)


def test_docstring_example():
    m = M.AUC(num_thresholds=3)
    m.update_state(torch.tensor([0, 0, 1, 1]), torch.tensor([0.0, 0.5, 0.3, 0.9]))
    assert m.result().shape == ()
    np.testing.assert_allclose(m.result().numpy(), 0.75)
    m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9], sample_weight=[1, 0, 0, 1])
    np.testing.assert_allclose(m.result().numpy(), 0.8333333, rtol=1e-6)


def test_thresholds_property_and_errors():
    assert M.AUC(num_thresholds=3).thresholds == pytest.approx([-1e-7, 0.5, 1 + 1e-7])
    assert M.AUC(thresholds=[0.7, 0.2]).thresholds == pytest.approx([-1e-7, 0.2, 0.7, 1 + 1e-7])
    with pytest.raises(ValueError, match="num_thresholds"):
        M.AUC(num_thresholds=1)
    with pytest.raises(ValueError, match="Invalid AUC curve"):
        M.AUC(curve="Roc")
    with pytest.raises(ValueError, match="Invalid AUC summation method"):
        M.AUC(summation_method="trapezoid")
    with pytest.raises(ValueError, match="only when `multi_label` is True"):
        M.AUC(num_labels=3)
    with pytest.raises(ValueError, match="rank 2"):
        M.AUC(multi_label=True).update_state(torch.zeros(2, 3, 4), torch.zeros(2, 3, 4))


def test_multi_label_result_before_any_update_is_zero():
    assert M.AUC(multi_label=True).result().item() == 0.0


@pytest.mark.parametrize("kwargs", [{}, {"curve": "pr", "summation_method": "Minoring"},
                                    {"thresholds": [0.3, 0.6], "multi_label": True,
                                     "num_labels": 2, "label_weights": [1.0, 0.5]},
                                    {"from_logits": True, "name": "auc_x"}])
def test_config_matches_keras_and_round_trips(kwargs):
    ours, theirs = M.AUC(**kwargs), keras.metrics.AUC(**kwargs)
    config, expected = ours.get_config(), theirs.get_config()
    if expected["label_weights"] is not None:  # Keras keeps a tensor; we keep a plain list
        expected["label_weights"] = keras.ops.convert_to_numpy(expected["label_weights"]).tolist()
    assert config == expected
    assert M.AUC.from_config(config).get_config() == config
