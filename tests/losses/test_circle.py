"""Circle against keras.losses (torch backend)."""

import keras
import numpy as np
import pytest
import torch

import sloi.losses
from tests.losses.helpers import (
    assert_close,
    assert_same_training,
    check_class,
    check_gradient,
    dense_model,
    rng,
    sample_weights,
)


def _embeddings(batch, dim, seed=0):
    x = rng(seed).standard_normal((batch, dim)).astype("float32")
    return x / np.linalg.norm(x, axis=-1, keepdims=True)


def _labels(batch, classes, seed=0):
    labels = rng(seed + 100).integers(0, classes, size=batch)
    labels[-1] = classes + 5  # a class of one: no positive pair, masked out of the mean
    return labels.astype("int64")


KWARGS = [{}, {"gamma": 16.0, "margin": 0.25}, {"remove_diagonal": False},
          {"gamma": 4.0, "margin": 0.1, "remove_diagonal": False}]


@pytest.mark.parametrize("kwargs", KWARGS)
@pytest.mark.parametrize("batch, dim, classes", [(8, 4, 3), (12, 6, 2), (5, 3, 5)])
def test_circle(kwargs, batch, dim, classes):
    y_true, y_pred = _labels(batch, classes), _embeddings(batch, dim)
    check_class("Circle", kwargs, y_true, y_pred, (None, sample_weights((batch,))))
    check_gradient("Circle", kwargs, y_true, y_pred)


@pytest.mark.parametrize("kwargs", KWARGS)
def test_function_with_references(kwargs):
    y_true, y_pred = _labels(6, 3), _embeddings(6, 4)
    ref_labels, refs = _labels(9, 3, seed=1), _embeddings(9, 4, seed=1)
    kwargs = {"remove_diagonal": False, **kwargs}  # no diagonal between query and references
    got = sloi.losses.circle(torch.tensor(y_true), torch.tensor(y_pred),
                             ref_labels=torch.tensor(ref_labels),
                             ref_embeddings=torch.tensor(refs), **kwargs)
    want = keras.losses.circle(torch.tensor(y_true), torch.tensor(y_pred),
                               ref_labels=torch.tensor(ref_labels),
                               ref_embeddings=torch.tensor(refs), **kwargs)
    assert_close(got, want)
    assert_close(got._keras_mask, want._keras_mask)


def test_labels_with_a_trailing_one_and_as_floats():
    y_true, y_pred = _labels(8, 3), _embeddings(8, 4)
    for labels in (y_true[:, None], y_true.astype("float32")):
        check_class("Circle", {}, labels, y_pred)


def test_no_positive_pair_at_all_gives_zero():
    # Every sample alone in its class: nothing to pull together, every entry masked.
    y_true, y_pred = np.arange(4), _embeddings(4, 3)
    for reduction in ("sum_over_batch_size", "sum", None):
        got = sloi.losses.Circle(reduction=reduction)(torch.tensor(y_true), torch.tensor(y_pred))
        want = keras.losses.Circle(reduction=reduction)(y_true, y_pred)
        assert_close(got, want)
        assert not torch.any(got)


def test_bad_shapes():
    with pytest.raises(ValueError, match="one label per embedding"):
        sloi.losses.circle(torch.zeros(3, dtype=torch.long), torch.zeros(4, 2))
    with pytest.raises(ValueError, match="y_pred of shape \\(batch_size, embedding_dim\\)"):
        sloi.losses.circle(torch.zeros(4, dtype=torch.long), torch.zeros(4, 2, 2))


_embedder = dense_model(5, 3, "tanh")


def test_compile_by_name_and_object():
    r = rng(0)
    x = r.standard_normal((16, 5)).astype("float32")
    y = r.integers(0, 3, 16).astype("int64")
    assert_same_training(_embedder, x, y, "circle")
    assert_same_training(_embedder, x, y,
                         lambda m: m.losses.Circle(gamma=8.0, margin=0.3, reduction="sum"))
