"""Mean, Sum and MeanMetricWrapper against keras.metrics, masks included."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.metrics.metric_parity import rng


def _run(ours, theirs, batches):
    for values, sw in batches:
        ours.update_state(torch.as_tensor(values), None if sw is None else torch.as_tensor(sw))
        theirs.update_state(values, sample_weight=sw)
    np.testing.assert_allclose(ours.result().numpy(), keras.ops.convert_to_numpy(theirs.result()),
                               rtol=1e-6)


@pytest.mark.parametrize("name", ["Mean", "Sum"])
@pytest.mark.parametrize("shapes", [((5,), None), ((5,), (5,)), ((5, 3), (5,)),
                                    ((5, 3), (5, 3)), ((5, 3, 2), (5, 3)), ((5, 1), (5,)),
                                    ((5,), (5, 1)), ((5, 3), ()), ((), None), ((), ())])
def test_mean_and_sum(name, shapes):
    r = rng(1)
    value_shape, weight_shape = shapes
    batches = [(r.normal(size=value_shape).astype("float32"),
                None if weight_shape is None else r.random(weight_shape).astype("float32"))
               for _ in range(3)]
    _run(getattr(M, name)(), getattr(keras.metrics, name)(), batches)


def test_mean_of_nothing_is_zero():
    assert M.Mean().result().item() == 0.0
    m = M.Mean()
    m.update_state(torch.tensor([1.0, 2.0]), sample_weight=torch.tensor([0.0, 0.0]))
    assert m.result().item() == 0.0


def test_docstring_examples():
    m = M.Mean()
    m.update_state([1, 3, 5, 7])
    assert m.result().item() == 4.0
    m.reset_state()
    m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert m.result().item() == 2.0
    s = M.Sum()
    s.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
    assert s.result().item() == 4.0


def squared_error(y_true, y_pred):
    return (y_true - y_pred) ** 2


@pytest.mark.parametrize("weighted", [False, True])
def test_mean_metric_wrapper_with_a_user_function(weighted):
    r = rng(2)
    ours = M.MeanMetricWrapper(squared_error, name="se")
    theirs = keras.metrics.MeanMetricWrapper(squared_error, name="se")
    for n in (4, 6):
        y_true, y_pred = r.normal(size=(n, 3)).astype("float32"), r.normal(size=(n, 3))
        sw = r.random(n).astype("float32") if weighted else None
        ours.update_state(torch.tensor(y_true), torch.tensor(y_pred.astype("float32")),
                          None if sw is None else torch.tensor(sw))
        theirs.update_state(y_true, y_pred.astype("float32"), sample_weight=sw)
    np.testing.assert_allclose(ours.result().numpy(), keras.ops.convert_to_numpy(theirs.result()),
                               rtol=1e-6)
    assert ours.name == "se"


def test_mean_metric_wrapper_passes_kwargs_and_serializes_them():
    m = M.MeanMetricWrapper(M.binary_accuracy, name="ba", threshold=0.9)
    m.update_state(torch.tensor([[1.0], [1.0]]), torch.tensor([[0.8], [0.95]]))
    assert m.result().item() == 0.5
    config = m.get_config()
    assert config["threshold"] == 0.9 and config["fn"]["config"] == "binary_accuracy"
    again = M.MeanMetricWrapper.from_config(config)
    assert again._fn is M.binary_accuracy and again.get_config() == config


@pytest.mark.parametrize("weighted", [False, True])
def test_a_mask_on_the_predictions_removes_steps(weighted):
    r = rng(3)
    y_true = r.integers(0, 4, (3, 5))
    y_pred = torch.tensor(r.random((3, 5, 4)).astype("float32"))
    mask = torch.tensor(r.integers(0, 2, (3, 5)).astype(bool))
    mask[:, 0] = True
    y_pred._keras_mask = mask  # how sloi's masking layers (and Keras's torch backend) mark it
    sw = torch.tensor(r.random(3).astype("float32")) if weighted else None
    ours = M.SparseCategoricalAccuracy()
    ours.update_state(torch.tensor(y_true), y_pred, sample_weight=sw)
    theirs = keras.metrics.SparseCategoricalAccuracy()
    # Keras cannot combine per-sample weights with a per-step mask; it can with per-step weights,
    # which is what we make of them.
    theirs.update_state(y_true, y_pred, sample_weight=None if sw is None else sw[:, None] *
                        torch.ones(3, 5))
    np.testing.assert_allclose(ours.result().numpy(), keras.ops.convert_to_numpy(theirs.result()),
                               rtol=1e-6)


def test_configs_match_keras():
    assert M.Mean(name="m").get_config() == keras.metrics.Mean(name="m").get_config()
    assert M.Sum().get_config() == keras.metrics.Sum().get_config()
    assert M.Mean.from_config({"name": "m", "dtype": "float64"}).dtype == "float64"
