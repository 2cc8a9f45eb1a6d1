"""CTC against keras.losses (torch backend)."""

import keras
import numpy as np
import pytest
import torch

import sloi.losses
from tests.losses.helpers import (
    assert_close,
    assert_same_training,
    check_class,
    check_function,
    check_gradient,
    logits,
    rng,
    sample_weights,
)


def _labels(batch, max_length, classes, seed=0):
    """Labels in 1..classes-1 (0 is the blank), each row padded with 0 after a random length
    (one row empty, one full)."""
    r = rng(seed)
    labels = r.integers(1, classes, size=(batch, max_length))
    lengths = r.integers(1, max_length + 1, size=batch)
    lengths[0], lengths[-1] = 0, max_length
    labels[np.arange(max_length)[None, :] >= lengths[:, None]] = 0
    return labels.astype("int64")


def _softmax(x):
    e = np.exp(x - x.max(axis=-1, keepdims=True))
    return (e / e.sum(axis=-1, keepdims=True)).astype("float32")


@pytest.mark.parametrize("batch, steps, classes, max_length", [(4, 10, 5, 4), (3, 7, 3, 3),
                                                                (5, 12, 8, 6)])
@pytest.mark.parametrize("as_probs", [False, True])
def test_ctc(batch, steps, classes, max_length, as_probs):
    y_true = _labels(batch, max_length, classes)
    y_pred = logits((batch, steps, classes), 1, scale=1.5)
    if as_probs:  # a softmax output, as a model's last layer gives it
        y_pred = _softmax(y_pred)
    check_class("CTC", {}, y_true, y_pred, (None, sample_weights((batch,))))
    check_function("ctc", {}, y_true, y_pred)
    check_gradient("CTC", {}, y_true, y_pred)


def test_float_labels_and_float64():
    y_true = _labels(3, 4, 5).astype("float32")  # Keras casts labels to float32 and back
    y_pred = logits((3, 9, 5), 2).astype("float64")
    got = sloi.losses.CTC(dtype="float64")(torch.tensor(y_true), torch.tensor(y_pred))
    want = keras.losses.CTC(dtype="float64")(y_true, y_pred)
    assert got.dtype == torch.float64
    assert_close(got, want)


def test_impossible_alignment_is_infinite_like_keras():
    # A label longer than the input cannot be aligned: the loss is +inf, as in Keras.
    y_true = np.array([[1, 2, 1, 2, 1, 2]])
    y_pred = logits((1, 3, 3), 3)
    got = sloi.losses.CTC(reduction=None)(torch.tensor(y_true), torch.tensor(y_pred))
    want = keras.losses.CTC(reduction=None)(y_true, y_pred)
    assert torch.isinf(got).all()
    assert_close(got, want)


@pytest.mark.parametrize("y_true_shape, y_pred_shape, match", [
    ((4,), (4, 6, 3), "y_true of shape \\(batch_size, max_length\\)"),
    ((4, 2), (4, 6), "y_pred of shape \\(batch_size, max_length, num_classes\\)"),
    ((3, 2), (4, 6, 3), "same batch size"),
])
def test_bad_shapes(y_true_shape, y_pred_shape, match):
    with pytest.raises(ValueError, match=match):
        sloi.losses.ctc(torch.ones(y_true_shape, dtype=torch.long), torch.zeros(y_pred_shape))


def _recognizer(K):
    x = K.layers.Input(shape=(10, 3))
    h = K.layers.Conv1D(6, 3, padding="same", activation="tanh")(x)
    return K.Model(x, K.layers.Dense(4, activation="softmax")(h))


def test_compile_by_name_and_object():
    x = np.random.default_rng(0).standard_normal((8, 10, 3)).astype("float32")
    y = _labels(8, 4, 4, seed=3)
    assert_same_training(_recognizer, x, y, "ctc", batch_size=4)
    assert_same_training(_recognizer, x, y, lambda m: m.losses.CTC(reduction="sum"),
                         batch_size=4)
