"""TruePositives ... FalseNegatives, Precision and Recall against keras.metrics."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.metrics.metric_parity import assert_same_metric, rng

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
