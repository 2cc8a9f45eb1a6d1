"""Regression and hinge losses against keras.losses (torch backend)."""

import pytest
import torch

import sloi.losses
from tests.losses.helpers import (
    assert_close,
    binary_labels,
    check_class,
    check_function,
    check_gradient,
    logits,
    one_hot,
    probs,
    sample_weights,
)

W8 = (None, sample_weights((8,)))
W_SEQ = (None, sample_weights((4, 5)))


def _targets_with_zero(shape, seed=0):
    y = logits(shape, seed)
    y.reshape(-1)[::5] = 0.0  # exact zeros: MAPE's denominator floor, MSLE's log floor
    return y


# (class, function, kwargs): every argument that changes the math.
REGRESSION = [
    ("MeanSquaredError", "mean_squared_error", {}),
    ("MeanAbsoluteError", "mean_absolute_error", {}),
    ("MeanAbsolutePercentageError", "mean_absolute_percentage_error", {}),
    ("MeanSquaredLogarithmicError", "mean_squared_logarithmic_error", {}),
    ("Huber", "huber", {}),
    ("Huber", "huber", {"delta": 0.5}),
    ("Huber", "huber", {"delta": 2.5}),
    ("LogCosh", "log_cosh", {}),
    ("CosineSimilarity", "cosine_similarity", {}),
]


@pytest.mark.parametrize("cls, fn, kwargs", REGRESSION)
def test_regression_loss(cls, fn, kwargs):
    y_true, y_pred = _targets_with_zero((8, 4)), logits((8, 4), 1)
    check_class(cls, kwargs, y_true, y_pred, W8)
    check_function(fn, kwargs, y_true, y_pred)


@pytest.mark.parametrize("cls, fn, kwargs", REGRESSION)
def test_regression_loss_sequence(cls, fn, kwargs):
    y_true, y_pred = _targets_with_zero((4, 5, 3)), logits((4, 5, 3), 1)
    check_class(cls, kwargs, y_true, y_pred, W_SEQ)


@pytest.mark.parametrize("cls, fn, kwargs", REGRESSION)
def test_regression_loss_single_output(cls, fn, kwargs):
    # (batch,) targets against a (batch, 1) output, and the other way round.
    y_true, y_pred = _targets_with_zero((8,)), logits((8, 1), 1)
    check_class(cls, kwargs, y_true, y_pred, W8)
    check_class(cls, kwargs, y_true[:, None], y_pred[:, 0], W8)


def test_huber_at_the_switch_point():
    # |error| == delta exactly: both pieces give delta**2 / 2.
    y_true = torch.zeros(4, 2)
    y_pred = torch.tensor([[1.0, -1.0], [0.5, 2.0], [-3.0, 0.0], [1.0, 1.0]])
    check_class("Huber", {}, y_true.numpy(), y_pred.numpy())
    check_function("huber", {"delta": 0.0}, y_true.numpy(), y_pred.numpy())  # written-out path


def test_log_cosh_large_errors_do_not_overflow():
    y_pred = torch.tensor([[100.0, -200.0]])
    out = sloi.losses.log_cosh(torch.zeros(1, 2), y_pred)
    assert torch.isfinite(out).all()
    check_function("log_cosh", {}, torch.zeros(1, 2).numpy(), y_pred.numpy())


@pytest.mark.parametrize("axis", [0, 1])
def test_cosine_similarity_axis(axis):
    y_true, y_pred = logits((4, 5, 3)), logits((4, 5, 3), 1)
    check_class("CosineSimilarity", {"axis": axis}, y_true, y_pred)
    check_function("cosine_similarity", {"axis": axis}, y_true, y_pred)


def test_cosine_similarity_zero_vector():
    # A zero vector normalizes to zero (inverse norm capped at 1e7), not to NaN.
    y_true = torch.tensor([[0.0, 0.0], [1.0, 0.0]]).numpy()
    y_pred = torch.tensor([[1.0, 2.0], [0.0, 0.0]]).numpy()
    check_class("CosineSimilarity", {}, y_true, y_pred)


HINGES = [("Hinge", "hinge"), ("SquaredHinge", "squared_hinge")]


@pytest.mark.parametrize("cls, fn", HINGES)
@pytest.mark.parametrize("signed", [False, True])
def test_hinge(cls, fn, signed):
    # 0/1 labels are turned into -1/1; labels already -1/1 are kept.
    y_true = binary_labels((8, 3))
    if signed:
        y_true = 2.0 * y_true - 1.0
    y_pred = logits((8, 3), 1)
    check_class(cls, {}, y_true, y_pred, W8)
    check_function(fn, {}, y_true, y_pred)
    check_class(cls, {}, y_true[..., :1], y_pred[..., 0], W8)


@pytest.mark.parametrize("cls, fn", HINGES)
def test_hinge_keeps_labels_that_are_not_binary(cls, fn):
    y_true = logits((8, 3), 2)  # neither 0/1 nor -1/1: used as they are
    check_class(cls, {}, y_true, logits((8, 3), 1), W8)
    check_function(fn, {}, y_true, logits((8, 3), 1))


def test_categorical_hinge():
    y_true, y_pred = one_hot((8, 5)), logits((8, 5), 1)
    check_class("CategoricalHinge", {}, y_true, y_pred, W8)
    check_function("categorical_hinge", {}, y_true, y_pred)
    check_class("CategoricalHinge", {}, one_hot((4, 5, 3)), logits((4, 5, 3), 1), W_SEQ)


@pytest.mark.parametrize("cls", [
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "Huber", "LogCosh", "CosineSimilarity", "Hinge",
    "SquaredHinge", "CategoricalHinge",
])
def test_gradients_match_keras(cls):
    y_true = one_hot((8, 4)) if cls == "CategoricalHinge" else probs((8, 4))
    check_gradient(cls, {}, y_true, logits((8, 4), 1))


def test_function_forms_match_ranks_unlike_keras_hinge():
    # Keras's hinge() broadcasts (batch,) against (batch, 1) into (batch, batch); the rank
    # fix Keras applies in its classes applies to our functions too.
    y_true, y_pred = binary_labels((8,)), torch.tensor(logits((8, 1), 1))
    got = sloi.losses.hinge(torch.tensor(y_true), y_pred)
    want = sloi.losses.Hinge(reduction=None)(torch.tensor(y_true), y_pred)
    assert got.shape == (8,)
    assert_close(got, want)
