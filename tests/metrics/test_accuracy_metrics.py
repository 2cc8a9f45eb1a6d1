"""Accuracy metrics and functions against keras.metrics on the same data."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.metrics.metric_parity import assert_same_function, assert_same_metric, rng


def _probs(r, *shape):
    x = r.random(shape).astype("float32")
    return x / x.sum(-1, keepdims=True)


def _onehot(r, classes, *shape):
    return np.eye(classes, dtype="float32")[r.integers(0, classes, shape)]


def _weights(r, *shape):
    return r.random(shape).astype("float32")


@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("label_shape", ["flat", "column"])
def test_binary_accuracy(weighted, label_shape):
    r = rng(1)
    batches = []
    for n in (8, 5, 7):
        y = r.integers(0, 2, (n,) if label_shape == "flat" else (n, 1)).astype("float32")
        batches.append((y, r.random((n, 1)).astype("float32"),
                        _weights(r, n) if weighted else None))
    assert_same_metric(M.BinaryAccuracy(), keras.metrics.BinaryAccuracy(), batches)
    assert_same_metric(M.BinaryAccuracy(threshold=0.7),
                       keras.metrics.BinaryAccuracy(threshold=0.7), batches)


def test_binary_accuracy_multi_output_columns():
    r = rng(2)
    batches = [(r.integers(0, 2, (6, 3)), r.random((6, 3)).astype("float32"), _weights(r, 6))
               for _ in range(3)]
    assert_same_metric(M.BinaryAccuracy(), keras.metrics.BinaryAccuracy(), batches)


@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_accuracy(weighted):
    r = rng(3)
    batches = [(_onehot(r, 4, n), _probs(r, n, 4), _weights(r, n) if weighted else None)
               for n in (8, 3, 6)]
    assert_same_metric(M.CategoricalAccuracy(), keras.metrics.CategoricalAccuracy(), batches)


@pytest.mark.parametrize("weights", [None, "per_sample", "per_step"])
def test_categorical_accuracy_sequences(weights):
    r = rng(4)
    batches = []
    for n in (4, 3):
        sw = {None: None, "per_sample": _weights(r, n), "per_step": _weights(r, n, 7)}[weights]
        batches.append((_onehot(r, 5, n, 7), _probs(r, n, 7, 5), sw))
    assert_same_metric(M.CategoricalAccuracy(), keras.metrics.CategoricalAccuracy(), batches)


@pytest.mark.parametrize("label_shape", [(), (1,)])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_categorical_accuracy(label_shape, weighted):
    r = rng(5)
    batches = [(r.integers(0, 6, (n,) + label_shape), _probs(r, n, 6),
                _weights(r, n) if weighted else None) for n in (9, 4, 5)]
    assert_same_metric(M.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy(),
                       batches)


@pytest.mark.parametrize("label_shape", [(), (1,)])
@pytest.mark.parametrize("weights", [None, "per_sample", "per_step"])
def test_sparse_categorical_accuracy_sequences(label_shape, weights):
    r = rng(6)
    batches = []
    for n in (4, 6):
        sw = {None: None, "per_sample": _weights(r, n), "per_step": _weights(r, n, 7)}[weights]
        batches.append((r.integers(0, 3, (n, 7) + label_shape), _probs(r, n, 7, 3), sw))
    assert_same_metric(M.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy(),
                       batches)


def test_accuracy_exact_match():
    r = rng(7)
    batches = [(r.integers(0, 3, (n, 1)), r.integers(0, 3, (n,)).astype("float32"),
                _weights(r, n)) for n in (10, 4)]
    assert_same_metric(M.Accuracy(), keras.metrics.Accuracy(), batches)


@pytest.mark.parametrize("k", [1, 2, 5])
@pytest.mark.parametrize("weighted", [False, True])
def test_top_k_categorical_accuracy(k, weighted):
    r = rng(8)
    batches = [(_onehot(r, 6, n), _probs(r, n, 6), _weights(r, n) if weighted else None)
               for n in (8, 5)]
    assert_same_metric(M.TopKCategoricalAccuracy(k=k), keras.metrics.TopKCategoricalAccuracy(k=k),
                       batches)
    seq = [(_onehot(r, 6, 3, 4), _probs(r, 3, 4, 6))]
    assert_same_metric(M.TopKCategoricalAccuracy(k=k), keras.metrics.TopKCategoricalAccuracy(k=k),
                       seq)


@pytest.mark.parametrize("k", [1, 3])
@pytest.mark.parametrize("label_shape", [(), (1,)])
def test_sparse_top_k_categorical_accuracy(k, label_shape):
    r = rng(9)
    batches = [(r.integers(0, 6, (n,) + label_shape), _probs(r, n, 6), _weights(r, n))
               for n in (8, 5)]
    assert_same_metric(M.SparseTopKCategoricalAccuracy(k=k),
                       keras.metrics.SparseTopKCategoricalAccuracy(k=k), batches)
    seq = [(r.integers(0, 6, (3, 4)), _probs(r, 3, 4, 6))]
    assert_same_metric(M.SparseTopKCategoricalAccuracy(k=k),
                       keras.metrics.SparseTopKCategoricalAccuracy(k=k), seq)


def test_sparse_top_k_from_sorted_ids():
    r = rng(10)
    ids = np.argsort(-r.random((6, 5)), axis=-1).astype("float32")
    batches = [(r.integers(0, 5, (6,)), ids)]
    assert_same_metric(M.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
                       keras.metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
                       batches)


def test_top_k_ties_count_as_in():
    # Two classes tie for the top score: Keras's in_top_k counts both as inside the top 1.
    y_pred = np.array([[0.4, 0.4, 0.2], [0.4, 0.4, 0.2]], "float32")
    y_true = np.array([0, 1])
    got = M.sparse_top_k_categorical_accuracy(torch.tensor(y_true), torch.tensor(y_pred), k=1)
    expected = keras.metrics.sparse_top_k_categorical_accuracy(y_true, y_pred, k=1)
    np.testing.assert_array_equal(got.numpy(), keras.ops.convert_to_numpy(expected))


def test_k_larger_than_the_classes_counts_everything():
    got = M.top_k_categorical_accuracy(torch.eye(3), torch.rand(3, 3), k=5)
    np.testing.assert_array_equal(got.numpy(), np.ones(3))


@pytest.mark.parametrize("name", ["binary_accuracy", "categorical_accuracy",
                                  "sparse_categorical_accuracy", "top_k_categorical_accuracy",
                                  "sparse_top_k_categorical_accuracy"])
def test_functions_match_keras(name):
    r = rng(11)
    if name == "binary_accuracy":
        y_true, y_pred = r.integers(0, 2, (5, 1)).astype("float32"), r.random((5, 1))
    elif name.startswith("sparse"):
        y_true, y_pred = r.integers(0, 6, (5, 3)), _probs(r, 5, 3, 6)
    else:
        y_true, y_pred = _onehot(r, 6, 5, 3), _probs(r, 5, 3, 6)
    y_pred = np.asarray(y_pred, "float32")
    assert_same_function(getattr(M, name), getattr(keras.metrics, name), y_true, y_pred)


def test_configs_round_trip_and_match_keras():
    pairs = [(M.Accuracy(), keras.metrics.Accuracy()),
             (M.BinaryAccuracy(threshold=0.3), keras.metrics.BinaryAccuracy(threshold=0.3)),
             (M.CategoricalAccuracy(name="ca"), keras.metrics.CategoricalAccuracy(name="ca")),
             (M.SparseCategoricalAccuracy(), keras.metrics.SparseCategoricalAccuracy()),
             (M.TopKCategoricalAccuracy(k=3), keras.metrics.TopKCategoricalAccuracy(k=3)),
             (M.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True),
              keras.metrics.SparseTopKCategoricalAccuracy(k=2, from_sorted_ids=True))]
    for ours, theirs in pairs:
        assert ours.get_config() == theirs.get_config()
        again = type(ours).from_config(ours.get_config())
        assert again.get_config() == ours.get_config()
