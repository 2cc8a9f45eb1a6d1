"""TruePositives ... FalseNegatives, Precision and Recall against keras.metrics."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.metrics.metric_parity import assert_same_config, assert_same_metric, rng

COUNTS = ["TruePositives", "FalsePositives", "TrueNegatives", "FalseNegatives"]
THRESHOLDS = [None, 0.7, [0.7, 0.2, 0.5], [0.0, 0.25, 0.5, 0.75, 1.0], [0.0, 0.5, 1.0]]


def _binary_batches(r, shape_of, weights=None):
    batches = []
    for n in (16, 9, 12):
        shape = shape_of(n)
        y_pred = r.random(shape).astype("float32")
        y_pred[0] = 0.5  # exactly on a threshold: "> threshold" must say no
        y_pred[1] = 0.0
        y_pred[2] = 1.0
        sw = {None: None, "per_sample": r.random(n).astype("float32"),
              "full": r.random(shape).astype("float32")}[weights]
        batches.append((r.integers(0, 2, shape), y_pred, sw))
    return batches


@pytest.mark.parametrize("name", COUNTS)
@pytest.mark.parametrize("thresholds", THRESHOLDS)
@pytest.mark.parametrize("weights", [None, "per_sample"])
def test_counts(name, thresholds, weights):
    batches = _binary_batches(rng(1), lambda n: (n, 1), weights)
    assert_same_metric(getattr(M, name)(thresholds=thresholds),
                       getattr(keras.metrics, name)(thresholds=thresholds), batches)


@pytest.mark.parametrize("name", ["Precision", "Recall"])
@pytest.mark.parametrize("thresholds", THRESHOLDS)
@pytest.mark.parametrize("weights", [None, "per_sample", "full"])
def test_precision_recall(name, thresholds, weights):
    batches = _binary_batches(rng(2), lambda n: (n, 3), weights)
    assert_same_metric(getattr(M, name)(thresholds=thresholds),
                       getattr(keras.metrics, name)(thresholds=thresholds), batches)


@pytest.mark.parametrize("name", ["Precision", "Recall"])
def test_rank_one_labels_against_a_column_of_predictions(name):
    r = rng(3)
    batches = [(r.integers(0, 2, (n,)), r.random((n, 1)).astype("float32"),
                r.random(n).astype("float32")) for n in (7, 5)]
    assert_same_metric(getattr(M, name)(), getattr(keras.metrics, name)(), batches)


@pytest.mark.parametrize("name", ["Precision", "Recall"])
@pytest.mark.parametrize("kwargs", [{"top_k": 1}, {"top_k": 2}, {"class_id": 2},
                                    {"top_k": 2, "class_id": 1},
                                    {"top_k": 2, "thresholds": [0.1, 0.5]},
                                    {"class_id": 0, "thresholds": [0.3, 0.6]}])
@pytest.mark.parametrize("weighted", [False, True])
def test_top_k_and_class_id(name, kwargs, weighted):
    r = rng(4)
    batches = [(r.integers(0, 2, (n, 4)), r.random((n, 4)).astype("float32"),
                r.random(n).astype("float32") if weighted else None) for n in (8, 6)]
    assert_same_metric(getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs),
                       batches)


def test_many_thresholds_on_sequences():
    r = rng(5)
    thresholds = list(np.linspace(0.05, 0.95, 19))  # not evenly from 0 to 1: the general path
    batches = [(r.integers(0, 2, (n, 3, 2)), r.random((n, 3, 2)).astype("float32"),
                r.random((n, 3)).astype("float32")) for n in (4, 5)]
    for name in ["Precision", "Recall", *COUNTS]:
        assert_same_metric(getattr(M, name)(thresholds=thresholds),
                           getattr(keras.metrics, name)(thresholds=thresholds), batches)


def test_results_are_device_tensors_of_keras_shape():
    m = M.Precision(thresholds=[0.3, 0.6])
    m.update_state(torch.tensor([1, 0, 1]), torch.tensor([0.9, 0.4, 0.5]))
    assert m.result().shape == (2,)
    m = M.TruePositives()
    m.update_state(torch.tensor([1, 0, 1]), torch.tensor([0.9, 0.4, 0.5]))
    result = m.result()
    assert result.shape == () and result.item() == 1.0  # 0.5 is not above 0.5
    m.update_state(torch.tensor([1]), torch.tensor([0.9]))
    assert result.item() == 1.0  # the result is a copy, not a view of the counter


def test_thresholds_must_lie_in_the_unit_interval():
    with pytest.raises(ValueError, match=r"Threshold values must be in \[0, 1\]"):
        M.Precision(thresholds=[0.5, 1.5])
    with pytest.raises(ValueError, match="class_id is provided"):
        M.Recall(class_id=1).update_state(torch.tensor([1, 0]), torch.tensor([0.2, 0.9]))


@pytest.mark.parametrize("name,kwargs", [
    ("TruePositives", {"thresholds": [0.2, 0.4]}), ("FalseNegatives", {}),
    ("Precision", {"thresholds": 0.3, "top_k": 2, "class_id": 1}), ("Recall", {"name": "r"}),
])
def test_configs_match_keras_and_round_trip(name, kwargs):
    ours, theirs = getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


# The best-rate-under-constraint metrics, and the argument each takes.
AT = [("SensitivityAtSpecificity", "specificity"), ("SpecificityAtSensitivity", "sensitivity"),
      ("PrecisionAtRecall", "recall"), ("RecallAtPrecision", "precision")]


def _scored_batches(r, shape_of, weighted, sizes=(20, 9, 14)):
    batches = []
    for n in sizes:
        shape = shape_of(n)
        y_pred = r.random(shape).astype("float32")
        y_pred[0], y_pred[1], y_pred[2] = 0.5, 0.0, 1.0  # on thresholds and at the ends
        y_pred[3] = 1.2  # outside [0, 1]: Keras clips it to 1 for evenly spaced thresholds
        batches.append((r.integers(0, 2, shape), y_pred,
                        r.random(n).astype("float32") if weighted else None))
    return batches


@pytest.mark.parametrize("name, arg", AT)
@pytest.mark.parametrize("value", [0.3, 0.6, 0.9])
@pytest.mark.parametrize("num_thresholds", [1, 2, 7, 200])
@pytest.mark.parametrize("weighted", [False, True])
def test_rate_at_constraint(name, arg, value, num_thresholds, weighted):
    batches = _scored_batches(rng(6), lambda n: (n, 1), weighted)
    kwargs = {arg: value, "num_thresholds": num_thresholds}
    assert_same_metric(getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs),
                       batches)


@pytest.mark.parametrize("name, arg", AT)
@pytest.mark.parametrize("value", [0.0, 1.0])
def test_rate_at_constraint_at_the_ends(name, arg, value):
    # Unweighted counts are whole numbers, so a constraint of exactly 0 or 1 is met or not
    # exactly. (With fractional weights, "total minus above" rounds differently from Keras's
    # sums by 1e-8, which decides such a constraint either way; sloi clamps counts at 0.)
    batches = _scored_batches(rng(7), lambda n: (n,), False)
    kwargs = {arg: value, "num_thresholds": 50}
    assert_same_metric(getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs),
                       batches)


@pytest.mark.parametrize("name, arg", AT)
def test_rate_at_constraint_for_one_class(name, arg):
    batches = _scored_batches(rng(8), lambda n: (n, 3), True)
    kwargs = {arg: 0.5, "class_id": 2, "num_thresholds": 20}
    assert_same_metric(getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs),
                       batches)


@pytest.mark.parametrize("name, arg", AT)
def test_rate_at_constraint_variables_config_and_errors(name, arg):
    ours, theirs = getattr(M, name)(**{arg: 0.4}), getattr(keras.metrics, name)(**{arg: 0.4})
    assert [tuple(v.shape) for v in ours.variables] == [tuple(v.shape) for v in theirs.variables]
    assert ours.name == theirs.name and ours.thresholds == theirs.thresholds
    assert_same_config(lambda K: getattr(K.metrics, name)(**{arg: 0.7}, num_thresholds=9,
                                                          class_id=1, name="at"))
    with pytest.raises(ValueError, match=arg):
        getattr(M, name)(**{arg: 1.5})
    with pytest.raises(ValueError, match="num_thresholds"):
        getattr(M, name)(**{arg: 0.5}, num_thresholds=0)


def test_rate_at_constraint_in_compile():
    from tests.losses.helpers import assert_same_training, dense_model

    r = rng(0)
    x = r.standard_normal((24, 5)).astype("float32")
    y = (x[:, :1] + 0.5 * r.standard_normal((24, 1)) > 0).astype("float32")
    assert_same_training(dense_model(5, 1, "sigmoid"), x, y, "binary_crossentropy", metrics=[
        lambda m: m.metrics.PrecisionAtRecall(0.5, num_thresholds=20, name="p_at_r"),
        lambda m: m.metrics.SensitivityAtSpecificity(0.8, name="s_at_s")])
