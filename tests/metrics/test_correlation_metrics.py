"""PearsonCorrelation, ConcordanceCorrelation and their functions against keras.metrics."""

import keras
import numpy as np
import pytest

from sloi import metrics as M
from tests.losses.helpers import assert_same_training, dense_model
from tests.metrics.metric_parity import (
    assert_same_config,
    assert_same_function,
    assert_same_metric,
    rng,
)

NAMES = [("PearsonCorrelation", "pearson_correlation"),
         ("ConcordanceCorrelation", "concordance_correlation")]


def _pair(r, shape, offset=0.5):
    y_true = r.normal(size=shape).astype("float32")
    y_pred = (0.7 * y_true + 0.5 * r.normal(size=shape) + offset).astype("float32")
    return y_true, y_pred


@pytest.mark.parametrize("cls, fn", NAMES)
@pytest.mark.parametrize("shape, axis", [((6, 5), -1), ((6, 5), 0), ((3, 4, 5), -1),
                                         ((3, 4, 5), 1), ((8,), -1)])
def test_function(cls, fn, shape, axis):
    y_true, y_pred = _pair(rng(1), shape)
    assert_same_function(getattr(M, fn), getattr(keras.metrics, fn), y_true, y_pred, atol=1e-6,
                         axis=axis)


@pytest.mark.parametrize("cls, fn", NAMES)
def test_function_matches_rank(cls, fn):
    # (batch,) labels against (batch, 1) predictions: the trailing 1 is matched first.
    y_true, y_pred = _pair(rng(2), (7,))
    assert_same_function(getattr(M, fn), getattr(keras.metrics, fn), y_true, y_pred[:, None],
                         atol=1e-6, axis=0)


@pytest.mark.parametrize("cls, fn", NAMES)
# With axis 0 there is one value per column, which per-sample weights do not fit (in Keras
# either), so that case runs unweighted.
@pytest.mark.parametrize("axis, weighted", [(-1, False), (-1, True), (0, False)])
def test_metric(cls, fn, axis, weighted):
    r = rng(3)
    batches = []
    for n in (6, 4, 6):
        y_true, y_pred = _pair(r, (n, 5))
        batches.append((y_true, y_pred, r.random(n).astype("float32") if weighted else None))
    assert_same_metric(getattr(M, cls)(axis=axis), getattr(keras.metrics, cls)(axis=axis),
                       batches, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("cls, fn", NAMES)
def test_constant_input_like_keras(cls, fn):
    # A constant row has no spread: Pearson's is NaN (0 / 0) in both libraries.
    y_true = np.ones((2, 4), dtype="float32")
    y_pred = rng(4).random((2, 4)).astype("float32")
    assert_same_function(getattr(M, fn), getattr(keras.metrics, fn), y_true, y_pred)


@pytest.mark.parametrize("cls, fn", NAMES)
def test_config(cls, fn):
    assert_same_config(lambda K: getattr(K.metrics, cls)())
    assert_same_config(lambda K: getattr(K.metrics, cls)(name="c", dtype="float64", axis=0))


_regressor = dense_model(4, 6)


def test_compile_by_name_and_object():
    r = rng(0)
    x = r.standard_normal((16, 4)).astype("float32")
    y = (x @ r.standard_normal((4, 6))).astype("float32")
    assert_same_training(_regressor, x, y, "mse",
                         metrics=["pearson_correlation",
                                  lambda m: m.metrics.ConcordanceCorrelation(name="ccc")])
