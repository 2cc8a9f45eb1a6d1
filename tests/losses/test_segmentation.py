"""Dice and Tversky against keras.losses (torch backend)."""

import keras
import numpy as np
import pytest
import torch

import sloi.losses
from tests.losses.helpers import (
    REDUCTIONS,
    assert_close,
    assert_same_training,
    binary_labels,
    check_class,
    check_function,
    check_gradient,
    probs,
    sample_weights,
)

# (shape, axis, sample weights Keras accepts for the loss's shape)
CASES = [
    ((8, 3), None, (None, sample_weights((8,)))),
    ((8, 3), -1, (None, sample_weights((8,)))),
    ((4, 5, 3), None, (None,)),
    ((4, 5, 3), (1, 2), (None, sample_weights((4,)))),
    ((2, 4, 4, 1), (1, 2, 3), (None, sample_weights((2,)))),
    ((4, 5, 3), 1, (None, sample_weights((4, 3)))),
]


@pytest.mark.parametrize("shape, axis, weights", CASES)
def test_dice(shape, axis, weights):
    y_true, y_pred = binary_labels(shape), probs(shape, 1)
    check_class("Dice", {"axis": axis}, y_true, y_pred, weights)
    check_function("dice", {"axis": axis}, y_true, y_pred)
    check_gradient("Dice", {"axis": axis}, y_true, y_pred)


@pytest.mark.parametrize("shape, axis, weights", CASES)
@pytest.mark.parametrize("alpha, beta", [(0.5, 0.5), (0.3, 0.7), (1.0, 0.0)])
def test_tversky(shape, axis, weights, alpha, beta):
    y_true, y_pred = binary_labels(shape, 2), probs(shape, 3)
    kwargs = {"alpha": alpha, "beta": beta, "axis": axis}
    check_class("Tversky", kwargs, y_true, y_pred, weights)
    check_function("tversky", kwargs, y_true, y_pred)
    check_gradient("Tversky", kwargs, y_true, y_pred)


def test_tversky_at_one_half_is_dice():
    y_true, y_pred = binary_labels((4, 6)), probs((4, 6), 1, exact_ends=False)
    assert_close(sloi.losses.tversky(y_true, y_pred, axis=-1),
                 sloi.losses.dice(y_true, y_pred, axis=-1))


def test_soft_labels_and_the_trailing_one():
    # Soft masks; `(batch,)` labels against `(batch, 1)` predictions are matched first.
    y_true = probs((8,), 5, exact_ends=False)
    y_pred = probs((8, 1), 6)
    for reduction in REDUCTIONS:
        for name, kwargs in (("Dice", {"axis": -1}), ("Tversky", {"alpha": 0.2, "axis": -1})):
            ours = getattr(sloi.losses, name)(reduction=reduction, **kwargs)
            theirs = getattr(keras.losses, name)(reduction=reduction, **kwargs)
            assert_close(ours(y_true, y_pred), theirs(y_true, y_pred))


def test_float64_and_dtype():
    y_true, y_pred = binary_labels((4, 3)), probs((4, 3), 1).astype("float64")
    got = sloi.losses.Dice(dtype="float64")(y_true, torch.tensor(y_pred))
    want = keras.losses.Dice(dtype="float64")(y_true, y_pred)
    assert got.dtype == torch.float64
    assert_close(got, want)
    assert sloi.losses.Dice()(y_true, torch.tensor(y_pred)).dtype == torch.float32


def _segmenter(K):
    x = K.layers.Input(shape=(4, 4, 2))
    h = K.layers.Conv2D(3, 3, padding="same", activation="relu")(x)
    return K.Model(x, K.layers.Conv2D(1, 1, activation="sigmoid")(h))


def test_compile_by_name_and_object():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((16, 4, 4, 2)).astype("float32")
    y = (x[..., :1] > 0).astype("float32")
    assert_same_training(_segmenter, x, y, "dice")
    assert_same_training(_segmenter, x, y, lambda m: m.losses.Tversky(0.3, 0.7, axis=(1, 2, 3)),
                         sample_weight=rng.uniform(0.5, 1.5, 16).astype("float32"))
