"""Regression and hinge losses: mean squared / absolute / percentage / squared-log error,
Huber, log-cosh, cosine similarity, hinge, squared hinge, categorical hinge. Each comes as a
function (per-sample losses, the last axis reduced) and as a `Loss` class.
"""

import math

import torch
import torch.nn.functional as F

from sloi.losses.loss import (
    BuiltinLoss,
    match_rank,
    mean_over,
    prepare_pair,
    to_tensor,
)
from sloi.settings import epsilon as backend_epsilon

_LOG_2 = math.log(2.0)


def mean_squared_error(y_true, y_pred):
    """`mean((y_true - y_pred) ** 2)` over the last axis."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if y_true.shape == y_pred.shape:  # one fused kernel for the common case
        return mean_over(F.mse_loss(y_pred, y_true, reduction="none"), -1)
    return mean_over((y_true - y_pred).square(), -1)


def mean_absolute_error(y_true, y_pred):
    """`mean(|y_true - y_pred|)` over the last axis."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if y_true.shape == y_pred.shape:
        return mean_over(F.l1_loss(y_pred, y_true, reduction="none"), -1)
    return mean_over((y_true - y_pred).abs(), -1)


def mean_absolute_percentage_error(y_true, y_pred):
    """`100 * mean(|y_true - y_pred| / max(|y_true|, 1e-7))` over the last axis."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    diff = ((y_true - y_pred) / y_true.abs().clamp_min(backend_epsilon())).abs()
    return 100.0 * mean_over(diff, -1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """`mean((log(y_pred + 1) - log(y_true + 1)) ** 2)` over the last axis, both first
    raised to at least 1e-7."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    first_log = (y_pred.clamp_min(backend_epsilon()) + 1.0).log()
    second_log = (y_true.clamp_min(backend_epsilon()) + 1.0).log()
    return mean_over((first_log - second_log).square(), -1)


def huber(y_true, y_pred, delta=1.0):
    """Huber loss over the last axis: `0.5 * e**2` where `|e| <= delta`, else
    `delta * |e| - 0.5 * delta**2`, with `e = y_pred - y_true`.

    Args:
        delta: where the loss turns from quadratic to linear.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if y_true.shape == y_pred.shape and delta > 0:  # torch's kernel refuses delta <= 0
        return mean_over(F.huber_loss(y_pred, y_true, reduction="none", delta=delta), -1)
    error = y_pred - y_true
    abs_error = error.abs()
    linear = delta * abs_error - 0.5 * delta**2
    return mean_over(torch.where(abs_error <= delta, 0.5 * error.square(), linear), -1)


def log_cosh(y_true, y_pred):
    """`mean(log(cosh(y_pred - y_true)))` over the last axis, computed as
    `x + softplus(-2x) - log(2)`, which does not overflow for large errors."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    x = y_pred - y_true
    return mean_over(x + F.softplus(-2.0 * x) - _LOG_2, -1)


def _l2_normalize(x, axis):
    """`x / ||x||` along `axis`, the inverse norm capped at 1e7 (so a zero vector stays 0)."""
    inv_norm = torch.rsqrt(x.square().sum(dim=axis, keepdim=True))
    return x * inv_norm.clamp_max(1.0 / backend_epsilon())


def cosine_similarity(y_true, y_pred, axis=-1):
    """Negative cosine similarity along `axis`: -1 for vectors pointing the same way, 0 for
    orthogonal ones, so that minimizing it aligns predictions with labels.

    Args:
        axis: the axis of the vectors.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    return -(_l2_normalize(y_true, axis) * _l2_normalize(y_pred, axis)).sum(dim=axis)


def _hinge_labels(y_true):
    """0/1 labels become -1/1; labels that are not all 0 or 1 are kept. The test stays on the
    device (`torch.where`, no Python `if`), so it costs no host sync."""
    is_binary = ((y_true == 0) | (y_true == 1)).all()
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true)


def hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0))` over the last axis; labels -1/1 (0/1 accepted)."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    return mean_over((1.0 - _hinge_labels(y_true) * y_pred).clamp_min(0.0), -1)


def squared_hinge(y_true, y_pred):
    """`mean(max(1 - y_true * y_pred, 0) ** 2)` over the last axis; labels -1/1 (0/1 accepted)."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    return mean_over((1.0 - _hinge_labels(y_true) * y_pred).clamp_min(0.0).square(), -1)


def categorical_hinge(y_true, y_pred):
    """`max(neg - pos + 1, 0)` with `pos = sum(y_true * y_pred)` (the true class's score) and
    `neg = max((1 - y_true) * y_pred)` (the best other class's), over the last axis."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    pos = (y_true * y_pred).sum(dim=-1)
    neg = ((1.0 - y_true) * y_pred).amax(dim=-1)
    return (neg - pos + 1.0).clamp_min(0.0)


class MeanSquaredError(BuiltinLoss):
    """Mean of squared errors over the last axis."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, reduction, name, dtype)

    def _fused_mean(self, y_true, y_pred):
        y_true, y_pred = match_rank(to_tensor(y_true, y_pred.dtype), y_pred)
        return F.mse_loss(y_pred, y_true) if y_true.shape == y_pred.shape else None


class MeanAbsoluteError(BuiltinLoss):
    """Mean of absolute errors over the last axis."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, reduction, name, dtype)

    def _fused_mean(self, y_true, y_pred):
        y_true, y_pred = match_rank(to_tensor(y_true, y_pred.dtype), y_pred)
        return F.l1_loss(y_pred, y_true) if y_true.shape == y_pred.shape else None


class MeanAbsolutePercentageError(BuiltinLoss):
    """Mean absolute error relative to the labels, in percent."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_absolute_percentage_error",
                 dtype=None):
        super().__init__(mean_absolute_percentage_error, reduction, name, dtype)


class MeanSquaredLogarithmicError(BuiltinLoss):
    """Mean squared error between `log(1 + y)` values."""

    def __init__(self, reduction="sum_over_batch_size", name="mean_squared_logarithmic_error",
                 dtype=None):
        super().__init__(mean_squared_logarithmic_error, reduction, name, dtype)


class Huber(BuiltinLoss):
    """Huber loss: quadratic for errors up to `delta`, linear beyond.

    Args:
        delta: the switch point. Defaults to 1.0.
        reduction, name, dtype: as for `Loss`.
    """

    def __init__(self, delta=1.0, reduction="sum_over_batch_size", name="huber_loss",
                 dtype=None):
        super().__init__(huber, reduction, name, dtype, delta=delta)


class LogCosh(BuiltinLoss):
    """Logarithm of the hyperbolic cosine of the error: about `e**2 / 2` for small errors,
    `|e| - log(2)` for large ones."""

    def __init__(self, reduction="sum_over_batch_size", name="log_cosh", dtype=None):
        super().__init__(log_cosh, reduction, name, dtype)


class CosineSimilarity(BuiltinLoss):
    """Negative cosine similarity between labels and predictions.

    Args:
        axis: the axis of the vectors. Defaults to -1.
        reduction, name, dtype: as for `Loss`.
    """

    def __init__(self, axis=-1, reduction="sum_over_batch_size", name="cosine_similarity",
                 dtype=None):
        super().__init__(cosine_similarity, reduction, name, dtype, axis=axis)


class Hinge(BuiltinLoss):
    """Hinge loss, for -1/1 (or 0/1) labels and raw scores."""

    def __init__(self, reduction="sum_over_batch_size", name="hinge", dtype=None):
        super().__init__(hinge, reduction, name, dtype)


class SquaredHinge(BuiltinLoss):
    """Squared hinge loss, for -1/1 (or 0/1) labels and raw scores."""

    def __init__(self, reduction="sum_over_batch_size", name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, reduction, name, dtype)


class CategoricalHinge(BuiltinLoss):
    """Categorical hinge loss, for one-hot labels and raw class scores."""

    def __init__(self, reduction="sum_over_batch_size", name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, reduction, name, dtype)
