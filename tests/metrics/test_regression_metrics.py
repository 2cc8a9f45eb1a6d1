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


def _r2_batches(r, outputs, weights):
    batches = []
    for n in (6, 4, 5):
        y_true = r.normal(size=(n, outputs)).astype("float32") * np.arange(1, outputs + 1)
        y_pred = (y_true + 0.6 * r.normal(size=(n, outputs))).astype("float32")
        sw = {None: None, "per_sample": r.random(n).astype("float32"),
              "full": r.random((n, outputs)).astype("float32")}[weights]
        batches.append((y_true, y_pred, sw))
    return batches


@pytest.mark.parametrize("aggregation", [None, "uniform_average", "variance_weighted_average"])
@pytest.mark.parametrize("weights", [None, "per_sample", "full"])
@pytest.mark.parametrize("num_regressors", [0, 3])
@pytest.mark.filterwarnings("ignore:More independent predictors")  # Keras, after reset_state
def test_r2_score(aggregation, weights, num_regressors):
    batches = _r2_batches(rng(4), 3, weights)
    kwargs = {"class_aggregation": aggregation, "num_regressors": num_regressors}
    assert_same_metric(M.R2Score(**kwargs), keras.metrics.R2Score(**kwargs), batches,
                       rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("num_regressors", [14, 15, 100])
def test_r2_score_falls_back_without_enough_samples(num_regressors):
    # 15 label entries: p >= n - 1 gives the plain score, as in Keras (which also warns).
    batches = _r2_batches(rng(5), 1, None)
    plain = M.R2Score()
    ours = M.R2Score(num_regressors=num_regressors)
    for y_true, y_pred, _ in batches:
        plain.update_state(torch.tensor(y_true), torch.tensor(y_pred))
    with pytest.warns(UserWarning):
        assert_same_metric(ours, keras.metrics.R2Score(num_regressors=num_regressors), batches,
                           rtol=1e-5, atol=1e-5)
    for y_true, y_pred, _ in batches:
        ours.update_state(torch.tensor(y_true), torch.tensor(y_pred))
    torch.testing.assert_close(ours.result(), plain.result())


def test_r2_score_labels_without_trailing_one():
    r = rng(6)
    batches = [(y[:, 0], p, w) for y, p, w in _r2_batches(r, 1, "per_sample")]
    assert_same_metric(M.R2Score(), keras.metrics.R2Score(), batches, rtol=1e-5, atol=1e-5)


def test_r2_score_arguments_and_shapes():
    with pytest.raises(ValueError, match="class_aggregation"):
        M.R2Score(class_aggregation="mean")
    with pytest.raises(ValueError, match="num_regressors"):
        M.R2Score(num_regressors=-1)
    with pytest.raises(ValueError, match="R2Score expects 2D inputs"):
        M.R2Score().update_state(torch.ones(2, 3, 4), torch.ones(2, 3, 4))


@pytest.mark.parametrize("make", [
    lambda K: K.metrics.R2Score(),
    lambda K: K.metrics.R2Score(class_aggregation=None, num_regressors=2, name="r2",
                                dtype="float64"),
])
def test_r2_score_config(make):
    from tests.metrics.metric_parity import assert_same_config

    assert_same_config(make)


def test_r2_score_in_compile_by_name_and_object():
    from tests.losses.helpers import assert_same_training, dense_model

    r = rng(0)
    x = r.standard_normal((16, 4)).astype("float32")
    y = (x @ r.standard_normal((4, 2))).astype("float32")
    assert_same_training(dense_model(4, 2), x, y, "mse", metrics=[
        "r2_score", lambda m: m.metrics.R2Score(class_aggregation="variance_weighted_average",
                                                num_regressors=2, name="adj")])
