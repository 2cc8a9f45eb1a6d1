"""Regression metrics: squared, absolute, percentage, log and log-cosh errors, their root, and
cosine similarity.

The per-sample functions repeat a few lines of ``sloi.losses`` on purpose: the metric floor
must not depend on the losses package, and Keras's metric and loss formulas are the same.
"""

import math

import torch

from sloi.metrics.metrics_utils import (
    EPSILON,
    as_tensor,
    l2_normalize,
    squeeze_or_expand_to_same_rank,
)
from sloi.metrics.reduction_metrics import Mean, MeanMetricWrapper


def _pair(y_true, y_pred):
    """Both as tensors of ``y_pred``'s dtype, ranks reconciled."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def mean_squared_error(y_true, y_pred):
    """``mean((y_true - y_pred)^2)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return torch.mean(torch.square(y_true - y_pred), dim=-1)


def mean_absolute_error(y_true, y_pred):
    """``mean(|y_true - y_pred|)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    return torch.mean(torch.abs(y_true - y_pred), dim=-1)


def mean_absolute_percentage_error(y_true, y_pred):
    """``100 * mean(|(y_true - y_pred) / max(|y_true|, eps)|)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    diff = torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=EPSILON))
    return 100.0 * torch.mean(diff, dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    first_log = torch.log(torch.clamp(y_pred, min=EPSILON) + 1.0)
    second_log = torch.log(torch.clamp(y_true, min=EPSILON) + 1.0)
    return torch.mean(torch.square(first_log - second_log), dim=-1)


def log_cosh(y_true, y_pred):
    """``mean(log(cosh(y_pred - y_true)))`` over the last axis, in the overflow-free form
    ``x + softplus(-2x) - log 2``."""
    y_true, y_pred = _pair(y_true, y_pred)
    x = y_pred - y_true
    return torch.mean(x + torch.nn.functional.softplus(-2.0 * x) - math.log(2.0), dim=-1)


def cosine_similarity(y_true, y_pred, axis=-1):
    """Cosine of the angle between ``y_true`` and ``y_pred`` along ``axis`` (the metric's sign:
    1 means same direction; the loss of that name is its negative)."""
    y_true, y_pred = _pair(y_true, y_pred)
    return torch.sum(l2_normalize(y_true, axis) * l2_normalize(y_pred, axis), dim=axis)


class _ErrorMean(MeanMetricWrapper):
    """The mean of one fixed error function: config is just name and dtype, lower is better."""

    _direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class MeanSquaredError(_ErrorMean):
    """Mean of ``mean((y_true - y_pred)^2, axis=-1)`` over the samples seen.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="mean_squared_error", dtype=None):
        super().__init__(mean_squared_error, name, dtype=dtype)


class MeanAbsoluteError(_ErrorMean):
    """Mean of ``mean(|y_true - y_pred|, axis=-1)`` over the samples seen.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="mean_absolute_error", dtype=None):
        super().__init__(mean_absolute_error, name, dtype=dtype)


class MeanAbsolutePercentageError(_ErrorMean):
    """Mean absolute percentage error over the samples seen.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="mean_absolute_percentage_error", dtype=None):
        super().__init__(mean_absolute_percentage_error, name, dtype=dtype)


class MeanSquaredLogarithmicError(_ErrorMean):
    """Mean squared logarithmic error over the samples seen.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="mean_squared_logarithmic_error", dtype=None):
        super().__init__(mean_squared_logarithmic_error, name, dtype=dtype)


class LogCoshError(_ErrorMean):
    """Mean of ``log(cosh(y_pred - y_true))`` over the samples seen (Keras names it "logcosh").

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="logcosh", dtype=None):
        super().__init__(log_cosh, name, dtype=dtype)


class CosineSimilarity(MeanMetricWrapper):
    """Mean cosine similarity between labels and predictions.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        axis: The axis along which the vectors lie.
    """

    def __init__(self, name="cosine_similarity", dtype=None, axis=-1):
        super().__init__(cosine_similarity, name, dtype=dtype, axis=axis)
        self.axis = axis
        self._direction = "up"

    def get_config(self):
        # Keras leaves `axis` out of the config; we keep it so that the round trip is exact.
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class RootMeanSquaredError(Mean):
    """``sqrt`` of the mean of the squared errors over every element seen (not a mean of
    per-sample roots).

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="root_mean_squared_error", dtype=None):
        super().__init__(name, dtype=dtype)
        self._direction = "down"

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.to(self._dtype),
                                                        y_pred.to(self._dtype))
        self._accumulate(torch.square(y_pred - y_true), sample_weight)

    def result(self):
        return torch.sqrt(super().result())

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}
