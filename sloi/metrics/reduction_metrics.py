"""Running sums and means: ``Sum``, ``Mean`` and ``MeanMetricWrapper``, the base of every
metric that averages a per-sample function (accuracies, errors, crossentropies)."""

import torch

from sloi.metrics.base_metric import Metric
from sloi.metrics.metrics_utils import (
    apply_mask,
    as_tensor,
    divide_no_nan,
    squeeze_or_expand_to_same_rank,
)


def _dims(start, stop):
    return tuple(range(start, stop))


def reduce_to_samplewise_values(values, sample_weight, reduce_fn, dtype):
    """Keras's reduction of ``values`` to one number per sample, weighted.

    The weights are first brought to the rank of ``values`` (a trailing size-1 axis squeezed or
    added); ``values`` is then reduced with ``reduce_fn`` over the axes the weights lack,
    multiplied by the weights, and both are reduced over every axis but the batch axis.
    A mask Keras attached to ``values`` (``_keras_mask``) is folded into the weights.

    Returns:
        ``(values, sample_weight)``, ``sample_weight`` None when none was given.
    """
    mask = getattr(values, "_keras_mask", None)
    values = values.to(dtype)
    if sample_weight is not None:
        sample_weight = as_tensor(sample_weight, dtype=dtype, device=values.device)
        sample_weight = apply_mask(sample_weight, mask, dtype)
        values, sample_weight = squeeze_or_expand_to_same_rank(values, sample_weight)
        weight_ndim = sample_weight.dim()
        if values.dim() > weight_ndim:
            values = reduce_fn(values, dim=_dims(weight_ndim, values.dim()))
        sample_weight = sample_weight.expand(values.shape)
        values = values * sample_weight
        if weight_ndim > 1:
            sample_weight = reduce_fn(sample_weight, dim=_dims(1, weight_ndim))
    if values.dim() > 1:
        values = reduce_fn(values, dim=_dims(1, values.dim()))
    return values, sample_weight


class Sum(Metric):
    """The (weighted) sum of the given values.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.

    Example:
        >>> m = Sum()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> m.result()
        tensor(4.)
    """

    def __init__(self, name="sum", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")

    @torch.no_grad()
    def update_state(self, values, sample_weight=None):
        values, sample_weight = self._inputs(values, sample_weight)
        values, _ = reduce_to_samplewise_values(values, sample_weight, torch.sum, self._dtype)
        self.total += values.sum()

    def result(self):
        return self.total.clone()


class Mean(Metric):
    """The (weighted) mean of the given values: ``total / count``.

    Without weights every sample (the first axis) counts once, whatever the other axes hold;
    with weights, ``count`` is the sum of the weights.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.

    Example:
        >>> m = Mean()
        >>> m.update_state([1, 3, 5, 7], sample_weight=[1, 1, 0, 0])
        >>> m.result()
        tensor(2.)
    """

    def __init__(self, name="mean", dtype=None):
        super().__init__(name=name, dtype=dtype)
        self.total = self.add_variable(name="total")
        self.count = self.add_variable(name="count")

    @torch.no_grad()
    def update_state(self, values, sample_weight=None):
        values, sample_weight = self._inputs(values, sample_weight)
        self._accumulate(values, sample_weight)

    def _accumulate(self, values, sample_weight):
        values, sample_weight = reduce_to_samplewise_values(
            values, sample_weight, torch.mean, self._dtype
        )
        self.total += values.sum()
        if sample_weight is not None:
            self.count += sample_weight.sum()
        else:
            self.count += values.shape[0] if values.dim() >= 1 else 1

    def result(self):
        return divide_no_nan(self.total, self.count)


class MeanMetricWrapper(Mean):
    """The weighted mean of a per-sample function ``fn(y_true, y_pred, **kwargs)``.

    A mask on ``y_pred`` (its ``_keras_mask``, as sloi's masking layers leave it) is folded
    into the sample weights, so masked time steps do not count.

    Args:
        fn: The function; it returns one value per sample (or per sample and step).
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        **kwargs: Passed on to ``fn``.

    Example:
        >>> def squared(y_true, y_pred):
        ...     return (y_true - y_pred) ** 2
        >>> m = MeanMetricWrapper(squared, name="squared")
    """

    def __init__(self, fn, name=None, dtype=None, **kwargs):
        super().__init__(name=name, dtype=dtype)
        self._fn = fn
        self._fn_kwargs = kwargs

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        mask = getattr(y_pred, "_keras_mask", None)
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        values = self._fn(y_true, y_pred, **self._fn_kwargs)
        if mask is not None:
            sample_weight = apply_mask(sample_weight, mask.to(values.device), self._dtype)
        self._accumulate(values, sample_weight)

    def get_config(self) -> dict:
        from sloi.metrics.registry import serialize_function  # registry imports this module

        return {**super().get_config(), "fn": serialize_function(self._fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        from sloi.metrics.registry import deserialize_function

        config = dict(config)
        if "fn" in config:  # a user function must come through deserialize(custom_objects=)
            config["fn"] = deserialize_function(config["fn"])
        return cls(**config)
