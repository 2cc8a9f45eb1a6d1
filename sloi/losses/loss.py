"""The `Loss` base class, its reductions, and `LossFunctionWrapper` (a loss function as a `Loss`).

A loss is called once per batch inside the training loop, so everything here stays on the
device: no `.item()`, no Python branch on a tensor's value, only shape checks in Python.
"""

import weakref

import numpy as np
import torch

from sloi.engine import naming
from sloi.engine.call_inputs import tensor_from_numpy
from sloi.engine.dtypes import dtype_name, standardize_dtype
from sloi.engine.keras_mask import get_keras_mask

REDUCTIONS = ("sum_over_batch_size", "sum", "mean", "mean_with_sample_weight", "none", None)


def standardize_reduction(reduction):
    """Returns `reduction` if Keras 3 accepts it, else raises a ValueError naming the choices."""
    if reduction not in REDUCTIONS:
        raise ValueError(
            f"Invalid value for argument `reduction`: {reduction!r}. Expected one of "
            f"{', '.join(repr(r) for r in REDUCTIONS)}."
        )
    return reduction


def match_rank(x1, x2, expand_rank_1=True):
    """Makes two tensors the same rank when their ranks differ by one and the longer one ends
    in a dimension of 1 (labels `(batch,)` against predictions `(batch, 1)`).

    The longer tensor loses its trailing 1, except that a rank-1 shorter tensor gains one
    instead (when `expand_rank_1`), so `(batch,)` against `(batch, 1)` gives two `(batch, 1)`.
    Any other pair is returned unchanged.
    """
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    elif r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def to_tensor(x, dtype=None, device=None):
    """`x` as a tensor of `dtype` on `device` (None: as it is). A tensor that already is one
    comes back untouched, without a trip through the dispatcher: this runs per batch."""
    if isinstance(x, torch.Tensor):
        if (dtype is None or x.dtype == dtype) and (device is None or x.device == device):
            return x
        return x.to(device=device, dtype=dtype)
    if isinstance(x, np.ndarray):
        x = tensor_from_numpy(x)
    return torch.as_tensor(x, dtype=dtype, device=device)


def prepare_pair(y_true, y_pred):
    """Predictions as a tensor, labels cast to its dtype and device, ranks matched."""
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype, y_pred.device)
    return match_rank(y_true, y_pred)


def mean_over(x, axis):
    """`x.mean(axis)`; a free view when that axis has length 1 (single-output models), which
    saves a kernel launch per batch and gives the same numbers."""
    return x.squeeze(axis) if x.shape[axis] == 1 else x.mean(dim=axis)


def _divide_no_nan(num, den):
    """`num / den`, or 0 where `den` is 0 (Keras's `divide_no_nan`), without leaving the device."""
    safe = torch.where(den == 0, torch.ones_like(den), den)
    return torch.where(den == 0, torch.zeros_like(num), num / safe)


def _align_weight(values, weight):
    """Brings a sample weight to a shape that multiplies `values` as one weight per entry.

    Keras's rule first (drop or add a trailing 1); then a weight of lower rank gets trailing
    dimensions of 1, so a `(batch,)` weight scales every step of a `(batch, steps)` loss.
    (Keras 3 stops there and broadcasts `(batch,)` against the *last* axis: an error, or when
    batch == steps a silent mix-up. We give the weight the per-sample meaning it has for
    non-sequence losses.)
    """
    values, weight = match_rank(values, weight)
    if weight.dim() < values.dim():
        weight = weight.reshape(tuple(weight.shape) + (1,) * (values.dim() - weight.dim()))
    return values, weight


def _mask_to_weight(mask, weight, dtype, reduction):
    """Folds a boolean mask (padding, `ignore_class`) into the sample weight.

    For the mean reductions, valid entries weigh `total / valid`, so that dividing by the
    number of entries later averages over the valid ones only (0 when none is valid).
    """
    float_mask = mask.to(dtype)
    if reduction in ("mean", "sum_over_batch_size"):
        valid = float_mask.sum()
        # Python numbers in the arithmetic, never a new device tensor: that would be a copy
        # from the host, which waits for the device.
        scale = torch.where(valid > 0, mask.numel() / valid.clamp_min(1), 0.0)
        float_mask = float_mask * scale
    if weight is None:
        return float_mask
    float_mask, weight = _align_weight(float_mask, weight)
    return weight * float_mask


def reduce_weighted_values(values, sample_weight=None, mask=None,
                           reduction="sum_over_batch_size"):
    """Weights the per-sample losses `values` and reduces them as Keras 3 does.

    Args:
        values: per-sample (or per-step) losses, a tensor.
        sample_weight: optional weights, `(batch,)` or `(batch, steps)`, array or tensor.
        mask: optional boolean tensor of the shape of `values`; masked entries count as 0.
        reduction: `"sum_over_batch_size"` / `"mean"`: sum of weighted losses over the number
            of entries (zero weights still count as entries); `"sum"`; `"mean_with_sample_weight"`:
            sum over the sum of the weights; `"none"` / None: the weighted losses.
    """
    reduction = standardize_reduction(reduction)
    if sample_weight is not None:
        sample_weight = to_tensor(sample_weight, values.dtype, values.device)
    if mask is not None:
        sample_weight = _mask_to_weight(to_tensor(mask, device=values.device),
                                        sample_weight, values.dtype, reduction)
    if sample_weight is not None:
        values, sample_weight = _align_weight(values, sample_weight)
        values = values * sample_weight
    if reduction in (None, "none") or values.dim() == 0 or tuple(values.shape) == (0,):
        return values
    if reduction == "sum":
        return values.sum()
    if reduction == "mean_with_sample_weight" and sample_weight is not None:
        return _divide_no_nan(values.sum(), sample_weight.expand_as(values).sum())
    if values.numel() == 0:  # an empty batch averages to 0, as Keras's divide_no_nan gives
        return values.sum()
    return values.mean()  # Keras's sum / count, in one kernel


_INTEGER_LABEL_FUNCTIONS: weakref.WeakSet = weakref.WeakSet()


def takes_integer_labels(fn):
    """Mark a loss function that reads class indices (``sparse_categorical_crossentropy``):
    a ``Loss`` wrapping it keeps integer labels as integers, which saves two casts and gives
    the same result as Keras's float32 round trip. Returns ``fn``."""
    _INTEGER_LABEL_FUNCTIONS.add(fn)
    return fn


class Loss:
    """Base class of losses: `loss(y_true, y_pred, sample_weight=None)` -> a 0-dim tensor.

    Subclasses implement `call(y_true, y_pred)`, returning one loss per sample (the last axis
    already reduced); `__call__` casts the inputs, applies sample weights and masks, reduces.

    Args:
        name: the loss's name; defaults to the snake-cased class name, made unique.
        reduction: `"sum_over_batch_size"` (default), `"sum"`, `"mean"`,
            `"mean_with_sample_weight"`, `"none"` or None (see `reduce_weighted_values`).
        dtype: the dtype the loss is computed in; None means float32 (Keras's floatx), so a
            half-precision model still gets a float32 loss.

    Example:
        >>> class MeanSquaredError(Loss):
        ...     def call(self, y_true, y_pred):
        ...         return (y_pred - y_true).square().mean(dim=-1)
    """

    # Sparse losses take class indices: `__call__` leaves integer labels as integers, which
    # saves two casts and gives the same result as Keras's float32 round trip.
    _integer_labels = False

    def __init__(self, name=None, reduction="sum_over_batch_size", dtype=None):
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self.reduction = standardize_reduction(reduction)
        self._torch_dtype = standardize_dtype(dtype)

    @property
    def dtype(self):
        """The compute dtype's name, e.g. `"float32"`."""
        return dtype_name(self._torch_dtype)

    def __call__(self, y_true, y_pred, sample_weight=None):
        """Returns the reduced loss: a 0-dim tensor on `y_pred`'s device (per-sample losses
        with reduction `"none"`).

        Args:
            y_true: targets, array or tensor (class indices for sparse losses).
            y_pred: predictions; a `_keras_mask` it carries (from masking layers) masks the loss.
            sample_weight: optional weights, `(batch,)` or `(batch, steps)`.
        """
        in_mask = get_keras_mask(y_pred)
        y_pred = to_tensor(y_pred, self._torch_dtype)
        y_true = to_tensor(y_true, device=y_pred.device)
        if not (self._integer_labels and not y_true.is_floating_point()):
            y_true = to_tensor(y_true, self._torch_dtype)
        losses = self.call(y_true, y_pred)
        out_mask = get_keras_mask(losses)
        if in_mask is not None and out_mask is not None:
            mask = to_tensor(in_mask, device=losses.device) & out_mask
        else:
            mask = in_mask if out_mask is None else out_mask
        return reduce_weighted_values(losses, sample_weight, mask, self.reduction)

    def call(self, y_true, y_pred):
        """Per-sample losses; subclasses implement it."""
        raise NotImplementedError(f"{type(self).__name__} must implement `call(y_true, y_pred)`.")

    def get_config(self):
        return {"name": self.name, "reduction": self.reduction}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name!r} reduction={self.reduction!r}>"


class LossFunctionWrapper(Loss):
    """Turns a function `fn(y_true, y_pred, **kwargs)` returning per-sample losses into a Loss.

    Labels and predictions are first brought to the same rank (`(batch,)` against
    `(batch, 1)`), as Keras does before calling the function.

    Args:
        fn: the loss function.
        reduction, name, dtype: as for `Loss`.
        **kwargs: passed to `fn` on every call.
    """

    def __init__(self, fn, reduction="sum_over_batch_size", name=None, dtype=None, **kwargs):
        super().__init__(name=name, reduction=reduction, dtype=dtype)
        self.fn = fn
        self._fn_kwargs = kwargs
        self._integer_labels = fn in _INTEGER_LABEL_FUNCTIONS

    def call(self, y_true, y_pred):
        y_true, y_pred = match_rank(y_true, y_pred)
        return self.fn(y_true, y_pred, **self._fn_kwargs)

    def get_config(self):
        from sloi.losses.losses import serialize  # the registry sits above this module

        return {**super().get_config(), "fn": serialize(self.fn), **self._fn_kwargs}

    @classmethod
    def from_config(cls, config):
        from sloi.losses.losses import deserialize

        config = dict(config)
        if "fn" in config:
            config["fn"] = deserialize(config["fn"])
        return cls(**config)

    def __repr__(self):
        return f"<LossFunctionWrapper({self.fn}, kwargs={self._fn_kwargs})>"


class BuiltinLoss(LossFunctionWrapper):
    """A built-in loss class around its function form: the keyword arguments become
    attributes (`loss.from_logits`) and the config, as in Keras's classes."""

    def __init__(self, fn, reduction, name, dtype, **kwargs):
        super().__init__(fn, reduction=reduction, name=name, dtype=dtype, **kwargs)
        for key, value in kwargs.items():
            setattr(self, key, value)

    def __call__(self, y_true, y_pred, sample_weight=None):
        # The common training case (tensors on one device, the default mean, no weights, no
        # mask) may go straight to one fused torch loss: the mean of per-sample means over
        # equal-sized groups is the mean of all entries, so the numbers are Keras's.
        if (
            sample_weight is None
            and self.reduction in ("sum_over_batch_size", "mean")
            and isinstance(y_pred, torch.Tensor)
            and isinstance(y_true, torch.Tensor)
            and y_pred.dtype == self._torch_dtype
            and y_true.device == y_pred.device
            and y_pred.numel() > 0
            and get_keras_mask(y_pred) is None
        ):
            fused = self._fused_mean(y_true, y_pred)
            if fused is not None:
                return fused
        return super().__call__(y_true, y_pred, sample_weight)

    def _fused_mean(self, y_true, y_pred):
        """The `"sum_over_batch_size"` loss in one fused op, or None where there is none
        (then the general path runs, and raises the errors)."""
        return None

    def call(self, y_true, y_pred):
        y_true, y_pred = match_rank(y_true, y_pred)
        # Read the attributes, not the kwargs given at construction, so that a changed
        # `loss.from_logits` takes effect.
        return self.fn(y_true, y_pred, **{k: getattr(self, k) for k in self._fn_kwargs})

    def get_config(self):
        return {**Loss.get_config(self), **{k: getattr(self, k) for k in self._fn_kwargs}}

    @classmethod
    def from_config(cls, config):
        return cls(**config)
