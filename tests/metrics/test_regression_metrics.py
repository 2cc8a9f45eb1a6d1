"""Regression metrics and functions against keras.metrics on the same data."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.metrics.metric_parity import assert_same_function, assert_same_metric, rng

CLASSES = ["MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
           "MeanSquaredLogarithmicError", "RootMeanSquaredError", "CosineSimilarity",
           "LogCoshError"]


def _batches(r, shape_of, weights):
    batches = []
    for n in (6, 4, 5):
        shape = shape_of(n)
        sw = {None: None, "per_sample": r.random(n).astype("float32"),
              "full": r.random(shape[:2]).astype("float32")}[weights]
        batches.append((r.normal(size=shape).astype("float32"),
                        r.normal(size=shape).astype("float32"), sw))
    return batches


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("weights", [None, "per_sample"])
def test_matches_keras_on_matrices(name, weights):
    batches = _batches(rng(1), lambda n: (n, 3), weights)
    assert_same_metric(getattr(M, name)(), getattr(keras.metrics, name)(), batches, rtol=2e-6)


def test_root_mean_squared_error_with_elementwise_weights():
    # RMSE averages elements, not per-sample values, so weights of the full shape fit it.
    batches = _batches(rng(1), lambda n: (n, 3), "full")
    assert_same_metric(M.RootMeanSquaredError(), keras.metrics.RootMeanSquaredError(), batches)


@pytest.mark.parametrize("name", CLASSES)
@pytest.mark.parametrize("weights", [None, "per_sample", "full"])
def test_matches_keras_on_sequences(name, weights):
    batches = _batches(rng(2), lambda n: (n, 4, 3), weights)
    assert_same_metric(getattr(M, name)(), getattr(keras.metrics, name)(), batches, rtol=2e-6)


@pytest.mark.parametrize("name", CLASSES)
def test_labels_of_rank_one_against_a_column(name):
    r = rng(3)
    batches = [(r.normal(size=(n,)).astype("float32"), r.normal(size=(n, 1)).astype("float32"),
                r.random(n).astype("float32")) for n in (5, 7)]
    assert_same_metric(getattr(M, name)(), getattr(keras.metrics, name)(), batches, rtol=2e-6)


def test_cosine_similarity_axis():
    r = rng(4)
    batches = [(r.normal(size=(4, 3, 5)).astype("float32"),
                r.normal(size=(4, 3, 5)).astype("float32"))]
    assert_same_metric(M.CosineSimilarity(axis=1), keras.metrics.CosineSimilarity(axis=1),
                       batches)


def test_root_mean_squared_error_is_the_root_of_the_pooled_mean():
    m = M.RootMeanSquaredError()
    m.update_state(torch.tensor([[0.0, 0.0]]), torch.tensor([[3.0, 4.0]]))
    m.update_state(torch.tensor([[0.0, 0.0]]), torch.tensor([[0.0, 0.0]]))
    np.testing.assert_allclose(m.result().numpy(), np.sqrt((9 + 16) / 2 / 2))


@pytest.mark.parametrize("name", ["mean_squared_error", "mean_absolute_error",
                                  "mean_absolute_percentage_error",
                                  "mean_squared_logarithmic_error", "log_cosh"])
def test_functions_match_keras(name):
    r = rng(5)
    y_true, y_pred = r.normal(size=(4, 3, 2)).astype("float32"), r.random((4, 3, 2))
    assert_same_function(getattr(M, name), getattr(keras.metrics, name), y_true,
                         y_pred.astype("float32"))


def test_cosine_similarity_function_is_the_metric_sign():
    a = torch.tensor([[1.0, 0.0], [1.0, 1.0], [0.0, 0.0]])
    b = torch.tensor([[2.0, 0.0], [-1.0, -1.0], [1.0, 0.0]])
    np.testing.assert_allclose(M.cosine_similarity(a, b).numpy(), [1.0, -1.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("name", CLASSES)
def test_config_round_trip(name):
    ours, theirs = getattr(M, name)(name="x"), getattr(keras.metrics, name)(name="x")
    config = ours.get_config()
    assert theirs.get_config().items() <= config.items()
    assert type(ours).from_config(config).get_config() == config
    assert getattr(M, name)().name == getattr(keras.metrics, name)().name
