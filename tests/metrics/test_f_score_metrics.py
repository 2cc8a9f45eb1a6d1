"""F1Score and FBetaScore against keras.metrics on the same batches."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.losses.helpers import assert_same_training, dense_model
from tests.metrics.metric_parity import assert_same_config, assert_same_metric, rng

AVERAGES = [None, "micro", "macro", "weighted"]


def _batches(r, classes, weighted, multi_label=False):
    batches = []
    for n in (10, 7, 12):
        if multi_label:
            y_true = r.integers(0, 2, (n, classes)).astype("float32")
        else:
            y_true = np.eye(classes, dtype="float32")[r.integers(0, classes, n)]
        y_pred = r.random((n, classes)).astype("float32")
        y_pred[0] = 0.0  # an all-zero row: no prediction at all without a threshold
        y_pred[1, :2] = 0.5  # a tie for the top
        batches.append((y_true, y_pred, r.random(n).astype("float32") if weighted else None))
    return batches


@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("threshold", [None, 0.5, 0.3])
@pytest.mark.parametrize("weighted", [False, True])
def test_f1_score(average, threshold, weighted):
    batches = _batches(rng(1), 4, weighted)
    assert_same_metric(M.F1Score(average=average, threshold=threshold),
                       keras.metrics.F1Score(average=average, threshold=threshold), batches,
                       rtol=1e-5)


@pytest.mark.parametrize("average", AVERAGES)
@pytest.mark.parametrize("beta", [0.5, 2.0])
@pytest.mark.parametrize("multi_label", [False, True])
def test_fbeta_score(average, beta, multi_label):
    batches = _batches(rng(2), 3, True, multi_label)
    kwargs = {"average": average, "beta": beta, "threshold": 0.6 if multi_label else None}
    assert_same_metric(M.FBetaScore(**kwargs), keras.metrics.FBetaScore(**kwargs), batches,
                       rtol=1e-5)


@pytest.mark.parametrize("make", [
    lambda K: K.metrics.F1Score(),
    lambda K: K.metrics.F1Score(average="macro", threshold=0.4, name="f1", dtype="float64"),
    lambda K: K.metrics.FBetaScore(average="weighted", beta=2.0, threshold=0.5),
])
def test_config(make):
    assert_same_config(make)


@pytest.mark.parametrize("kwargs, match", [
    ({"average": "mean"}, "average"), ({"beta": 1}, "beta"), ({"beta": -1.0}, "beta"),
    ({"threshold": 1}, "threshold"), ({"threshold": 1.5}, "threshold"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        M.FBetaScore(**kwargs)


def test_inputs_must_be_matrices():
    with pytest.raises(ValueError, match="FBetaScore expects 2D inputs"):
        M.FBetaScore().update_state(torch.ones(4), torch.ones(4))


def test_float64():
    batches = _batches(rng(3), 3, True)
    ours = M.F1Score(average="macro", dtype="float64")
    assert_same_metric(ours, keras.metrics.F1Score(average="macro", dtype="float64"), batches)
    assert ours.result().dtype == torch.float64


_classifier = dense_model(5, 3, "softmax")


def test_compile_with_objects():
    # By name ("f1_score") the score is per class, a vector, which sloi's fit logs do not
    # hold yet (they keep floats); averaged scores log as Keras logs them.
    r = rng(0)
    x = r.standard_normal((24, 5)).astype("float32")
    y = np.eye(3, dtype="float32")[r.integers(0, 3, 24)]
    assert_same_training(_classifier, x, y, "categorical_crossentropy",
                         metrics=[lambda m: m.metrics.F1Score(average="micro"),
                                  lambda m: m.metrics.FBetaScore(average="macro", beta=2.0,
                                                                 name="fb")])
