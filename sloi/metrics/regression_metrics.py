"""Regression metrics: squared, absolute, percentage, log and log-cosh errors, their root,
cosine similarity, and the R2 score.

The per-sample functions repeat a few lines of ``sloi.losses`` on purpose: the metric modules
keep their own formulas (Keras's metric and loss formulas are the same). ``huber``, which Keras
exports as one function under both names, is re-exported from ``sloi.losses`` instead.
"""

import math

import torch

from sloi.metrics.base_metric import Metric
from sloi.metrics.metrics_utils import (
    as_tensor,
    l2_normalize,
    squeeze_or_expand_to_same_rank,
)
from sloi.metrics.reduction_metrics import Mean, MeanMetricWrapper
from sloi.settings import epsilon as backend_epsilon


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
    diff = torch.abs((y_true - y_pred) / torch.clamp(torch.abs(y_true), min=backend_epsilon()))
    return 100.0 * torch.mean(diff, dim=-1)


def mean_squared_logarithmic_error(y_true, y_pred):
    """``mean((log(max(y_pred, eps) + 1) - log(max(y_true, eps) + 1))^2)`` over the last axis."""
    y_true, y_pred = _pair(y_true, y_pred)
    first_log = torch.log(torch.clamp(y_pred, min=backend_epsilon()) + 1.0)
    second_log = torch.log(torch.clamp(y_true, min=backend_epsilon()) + 1.0)
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


_CLASS_AGGREGATIONS = (None, "uniform_average", "variance_weighted_average")


class R2Score(Metric):
    """The coefficient of determination, ``1 - SS_res / SS_tot``, per output column over all
    the samples seen, then aggregated over the columns.

    The state is per-column running sums (of the labels, their squares, the squared errors and
    the weights), so the score is exact over the whole data, not a mean of batch scores.

    Args:
        class_aggregation: ``"uniform_average"`` (default: the mean of the column scores),
            ``"variance_weighted_average"`` (weighted by each column's label variance) or
            ``None`` (one score per column).
        num_regressors: The number of independent variables, for the adjusted R2 score
            ``1 - (1 - R2) * (n - 1) / (n - p - 1)``, ``n`` the number of label entries seen.
            0 (default) gives the plain score, as does a ``p >= n - 1`` (where Keras also
            warns; sloi does not, since that would read the count back from the device).
        name: Name of the metric instance.
        dtype: Dtype of the state and result.

    Input shape:
        ``y_true`` and ``y_pred`` ``(batch, outputs)``; ``sample_weight`` ``(batch,)`` or
        ``(batch, outputs)``.

    Example:
        >>> m = R2Score()
        >>> m.update_state([[1.0], [4.0], [3.0]], [[2.0], [4.0], [4.0]])
        >>> m.result()
        tensor(0.5714)
    """

    def __init__(self, class_aggregation="uniform_average", num_regressors=0, name="r2_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if class_aggregation not in _CLASS_AGGREGATIONS:
            raise ValueError(
                f"R2Score: invalid `class_aggregation` {class_aggregation!r}; expected one of "
                f"{_CLASS_AGGREGATIONS}."
            )
        if num_regressors < 0:
            raise ValueError(
                f"R2Score: `num_regressors` must be >= 0; got num_regressors={num_regressors}."
            )
        self.class_aggregation = class_aggregation
        self.num_regressors = num_regressors
        self.num_samples = self.add_variable(name="num_samples")
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(
                "R2Score expects 2D inputs with shape (batch_size, output_dim). Received input "
                f"shapes: y_pred.shape={tuple(pred_shape)} and y_true.shape={tuple(true_shape)}."
            )
        columns = (pred_shape[-1],)
        self.squared_sum = self.add_variable(columns, name="squared_sum")
        self.sum = self.add_variable(columns, name="sum")
        self.total_mse = self.add_variable(columns, name="residual")
        self.count = self.add_variable(columns, name="count")
        self._built = True

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's sums.

        Args:
            y_true: Labels, ``(batch, outputs)``.
            y_pred: Predictions, ``(batch, outputs)``.
            sample_weight: Optional weights, ``(batch,)`` or ``(batch, outputs)``.
        """
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        y_true, y_pred = squeeze_or_expand_to_same_rank(y_true.to(self._dtype),
                                                        y_pred.to(self._dtype))
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if sample_weight is None:
            weight = torch.ones_like(y_true)
        else:
            weight = sample_weight.to(self._dtype)
            if weight.dim() == 1:  # one weight per sample, for every column
                weight = weight.unsqueeze(1)
            weight = weight.expand(y_true.shape)
        weighted_true = y_true * weight
        self.sum += weighted_true.sum(dim=0)
        self.squared_sum += (y_true * weighted_true).sum(dim=0)
        self.total_mse += ((y_true - y_pred).square() * weight).sum(dim=0)
        self.count += weight.sum(dim=0)
        self.num_samples += y_true.numel()

    def result(self):
        if not self._built:  # Keras has no result before the first update; 0 is harmless
            return torch.zeros((), dtype=self._dtype, device=self._device)
        mean = self.sum / self.count
        total = self.squared_sum - self.sum * mean
        raw_scores = 1.0 - self.total_mse / total
        raw_scores = torch.where(torch.isinf(raw_scores), torch.zeros_like(raw_scores),
                                 raw_scores)
        if self.class_aggregation == "uniform_average":
            score = raw_scores.mean()
        elif self.class_aggregation == "variance_weighted_average":
            score = (total * raw_scores).sum() / total.sum()
        else:
            score = raw_scores
        if self.num_regressors == 0:
            return score
        n, p = self.num_samples, float(self.num_regressors)
        adjusted = 1.0 - (1.0 - score) * (n - 1.0) / (n - p - 1.0)
        # Too few samples for the adjustment: the plain score, as Keras falls back to.
        return torch.where(p < n - 1.0, adjusted, score)

    def get_config(self):
        return {**super().get_config(), "class_aggregation": self.class_aggregation,
                "num_regressors": self.num_regressors}
