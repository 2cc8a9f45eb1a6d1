"""Correlation metrics: Pearson's correlation and Lin's concordance correlation between labels
and predictions, computed along an axis of each batch and averaged over the batches seen.

Like Keras, each value is computed *within* one batch (along ``axis``, the last by default) and
the metric is the running mean of those values: not the correlation over the whole data set.
"""


from sloi.metrics.metrics_utils import as_tensor, squeeze_or_expand_to_same_rank
from sloi.metrics.reduction_metrics import MeanMetricWrapper
from sloi.settings import epsilon as backend_epsilon


def _pair(y_true, y_pred):
    """Both as float tensors of ``y_pred``'s dtype (float32 for integers), ranks reconciled."""
    y_pred = as_tensor(y_pred)
    if not y_pred.is_floating_point():
        y_pred = y_pred.float()
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return squeeze_or_expand_to_same_rank(y_true, y_pred)


def pearson_correlation(y_true, y_pred, axis=-1):
    """Pearson's correlation coefficient along ``axis``: the mean product of the standardised
    labels and predictions (population standard deviations). A constant input gives NaN.

    Args:
        y_true: Labels.
        y_pred: Predictions, the shape of ``y_true``.
        axis: The axis the correlation runs along.

    Returns:
        The coefficients, of ``y_pred``'s shape without ``axis``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    true_centred = y_true - y_true.mean(dim=axis, keepdim=True)
    pred_centred = y_pred - y_pred.mean(dim=axis, keepdim=True)
    true_centred = true_centred / true_centred.std(dim=axis, keepdim=True, correction=0)
    pred_centred = pred_centred / pred_centred.std(dim=axis, keepdim=True, correction=0)
    return (true_centred * pred_centred).mean(dim=axis)


def concordance_correlation(y_true, y_pred, axis=-1):
    """Lin's concordance correlation coefficient along ``axis``:
    ``2 * cov / (var_true + var_pred + (mean_true - mean_pred)^2)``, which is 1 only when the
    predictions equal the labels (Pearson's is 1 for any increasing linear relation).

    Written as Keras 3.15 writes it: the covariance term centres the labels on the
    *predictions'* mean, ``mean((y_true - mean_pred) * (y_pred - mean_pred))``, which equals the
    textbook covariance only where the two means agree.

    Args:
        y_true: Labels.
        y_pred: Predictions, the shape of ``y_true``.
        axis: The axis the coefficient runs along.

    Returns:
        The coefficients, of ``y_pred``'s shape without ``axis``.
    """
    y_true, y_pred = _pair(y_true, y_pred)
    true_mean = y_true.mean(dim=axis, keepdim=True)
    pred_mean = y_pred.mean(dim=axis, keepdim=True)
    true_var = (y_true - true_mean).var(dim=axis, keepdim=True, correction=0)
    pred_var = (y_pred - pred_mean).var(dim=axis, keepdim=True, correction=0)
    covar = (y_true - pred_mean) * (y_pred - pred_mean)
    norm = true_var + pred_var + (true_mean - pred_mean).square()
    return (2.0 * covar / (norm + backend_epsilon())).mean(dim=axis)


class _CorrelationMean(MeanMetricWrapper):
    """The running mean of a correlation function along ``axis``; higher is better."""

    _direction = "up"

    def __init__(self, fn, name, dtype, axis):
        super().__init__(fn, name=name, dtype=dtype, axis=axis)
        self.axis = axis

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "axis": self.axis}


class PearsonCorrelation(_CorrelationMean):
    """The mean, over the batches seen, of Pearson's correlation between labels and
    predictions along ``axis`` of each batch (see ``pearson_correlation``).

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        axis: The axis the correlation runs along. Defaults to -1.

    Example:
        >>> m = PearsonCorrelation()
        >>> m.update_state([[1.0, 2.0, 3.0]], [[2.0, 4.0, 7.0]])
        >>> m.result()
    """

    def __init__(self, name="pearson_correlation", dtype=None, axis=-1):
        super().__init__(pearson_correlation, name, dtype, axis)


class ConcordanceCorrelation(_CorrelationMean):
    """The mean, over the batches seen, of the concordance correlation between labels and
    predictions along ``axis`` of each batch (see ``concordance_correlation``).

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        axis: The axis the coefficient runs along. Defaults to -1.
    """

    def __init__(self, name="concordance_correlation", dtype=None, axis=-1):
        super().__init__(concordance_correlation, name, dtype, axis)

