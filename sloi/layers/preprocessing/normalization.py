"""``Normalization``: shift and scale inputs to mean 0 and variance 1, feature by feature
(Keras 3's preprocessing layer, not ``BatchNormalization``)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import torch

from sloi.engine import Layer
from sloi.engine.symbolic import format_shape
from sloi.settings import epsilon as backend_epsilon


class Normalization(Layer):
    """Computes ``(inputs - mean) / sqrt(variance)`` with a mean and variance per position of
    ``axis``, given or learned by ``adapt``; ``invert=True`` undoes it.

    Args:
        axis: the axis or axes that keep their own statistics (``-1``: one mean per feature);
            the others are averaged over. None: one mean and variance for everything.
        mean, variance: the statistics, when known (both or neither). A scalar, or an array
            broadcast against the kept axes. Without them, call ``adapt`` on sample data
            (until then the layer uses mean 0 and variance 1).
        invert: compute ``mean + inputs * sqrt(variance)`` instead.

    Input shape: any, of known size along ``axis``; cast to the layer's dtype.
    Output shape: the input's.
    Weights: without ``mean``/``variance``, three non-trainable ones as in Keras: ``mean``
    and ``variance`` (the sizes of ``axis``) and ``count`` (int32 scalar, unused).

    Example:
        >>> layer = Normalization()
        >>> layer.adapt(np.array([[0.0, 7.0], [2.0, 9.0]]))
        >>> layer(np.array([[1.0, 8.0]]))   # tensor([[0., 0.]])
    """

    def __init__(self, axis=-1, mean=None, variance=None, invert=False, **kwargs):
        super().__init__(**kwargs)
        where = f'Layer "{self.name}" (Normalization)'
        if axis is None:
            axis = ()
        elif isinstance(axis, int) and not isinstance(axis, bool):
            axis = (axis,)
        elif isinstance(axis, (list, tuple)) and all(
                isinstance(a, int) and not isinstance(a, bool) for a in axis):
            axis = tuple(axis)
        else:
            raise TypeError(f"{where}: `axis` must be None, an int or a tuple of ints; got "
                            f"{axis!r}")
        self.axis = axis
        if (mean is None) != (variance is None):
            raise ValueError(f"{where}: give both `mean` and `variance`, or neither; got "
                             f"mean={mean!r} and variance={variance!r}")
        if mean is not None:
            if np.shape(mean) != np.shape(variance):
                raise ValueError(f"{where}: `mean` and `variance` must have the same shape; "
                                 f"got {np.shape(mean)} and {np.shape(variance)}")
            if len(np.shape(mean)) > len(axis):
                raise ValueError(f"{where}: `mean` of shape {np.shape(mean)} has more axes "
                                 f"than `axis` {axis}")
        self.input_mean = mean
        self.input_variance = variance
        self.invert = invert
        self.supports_masking = True

    # ------------------------------------------------------------------ building
    def build(self, input_shape):
        shape = tuple(input_shape)
        ndim = len(shape)
        where = f'Layer "{self.name}" (Normalization)'
        if any(not -ndim <= a < ndim for a in self.axis):
            raise ValueError(f"{where}: axis {self.axis} is out of range for inputs of shape "
                             f"{format_shape(shape)}")
        self._keep_axis = tuple(sorted(a % ndim for a in self.axis))
        unknown = [d for d in self._keep_axis if shape[d] is None]
        if unknown:
            raise ValueError(f"{where}: the sizes of axis {self.axis} must be known; got "
                             f"inputs of shape {format_shape(shape)}")
        self._reduce_axis = tuple(d for d in range(ndim) if d not in self._keep_axis)
        self._broadcast_shape = tuple(shape[d] if d in self._keep_axis else 1
                                      for d in range(ndim))
        self._stats_shape = tuple(shape[d] for d in self._keep_axis)
        self._built_shape = shape
        if self.input_mean is None:
            self.adapt_mean = self.add_weight("mean", self._stats_shape, "zeros",
                                              trainable=False)
            self.adapt_variance = self.add_weight("variance", self._stats_shape, "ones",
                                                  trainable=False)
            self.count = self.add_weight("count", (), "zeros", dtype="int32", trainable=False)
            return
        # given statistics: laid along the kept axes (the last ones first), then broadcast
        mean = torch.as_tensor(np.asarray(self.input_mean, dtype=np.float64))
        variance = torch.as_tensor(np.asarray(self.input_variance, dtype=np.float64))
        if mean.ndim:
            expanded = [1] * ndim
            for i in range(1, mean.ndim + 1):
                expanded[self._keep_axis[-i]] = mean.shape[-i]
            mean, variance = mean.reshape(expanded), variance.reshape(expanded)
        try:
            mean = torch.broadcast_to(mean, self._broadcast_shape)
            variance = torch.broadcast_to(variance, self._broadcast_shape)
        except RuntimeError:
            raise ValueError(f"{where}: `mean` of shape {np.shape(self.input_mean)} does not "
                             f"fit axis {self.axis} of inputs of shape {format_shape(shape)}"
                             ) from None
        # not weights (Keras has none here), but they follow the layer to its device
        self.register_buffer("fixed_mean", mean.to(self._dtype).clone(), persistent=False)
        self.register_buffer("fixed_variance", variance.to(self._dtype).clone(),
                             persistent=False)

    def _statistics(self):
        if self.input_mean is not None:
            return self.fixed_mean, self.fixed_variance
        return (self.adapt_mean.reshape(self._broadcast_shape).to(self._dtype),
                self.adapt_variance.reshape(self._broadcast_shape).to(self._dtype))

    # ------------------------------------------------------------------ adapt
    def adapt(self, data):
        """Learn the mean and (biased) variance of ``data`` along the axes not in ``axis``.

        Args:
            data: a numpy array, a torch tensor, or an iterable of batches (a list of arrays,
                a generator, a DataLoader yielding arrays or ``(x, y)`` tuples). Over
                batches, the statistics are combined batch by batch as Keras combines them.
        """
        where = f'Layer "{self.name}" (Normalization)'
        if self.input_mean is not None:
            raise ValueError(f"{where} was given its mean and variance; it cannot also learn "
                             "them with adapt()")
        iterable = not isinstance(data, (np.ndarray, torch.Tensor))
        if iterable:
            if not hasattr(data, "__iter__"):
                raise TypeError(f"{where}: adapt() takes a numpy array, a tensor or an "
                                f"iterable of batches; got {type(data).__name__}")
            batches = iter(data)
            first = next(batches, None)
            if first is None:
                raise ValueError(f"{where}: adapt() got an empty iterable (no batches)")
            first = _first_of(first)
            if not hasattr(first, "shape"):
                raise TypeError(f"{where}: adapt() expects batches with a shape (arrays or "
                                f"tensors); got {type(first).__name__}")
            shape = tuple(first.shape)
            data = itertools.chain([first], batches)
        else:
            shape = tuple(data.shape)
        if not self.built:
            self.build(shape)
            self.built = True
        else:
            self._check_kept_sizes(shape, where)
        if isinstance(data, np.ndarray):
            mean = np.mean(data, axis=self._reduce_axis)
            variance = np.var(data, axis=self._reduce_axis)
        elif isinstance(data, torch.Tensor):
            x = data.detach() if data.is_floating_point() else data.to(torch.float32)
            mean = torch.mean(x, dim=self._reduce_axis)
            variance = torch.var(x, dim=self._reduce_axis, correction=0)
        else:
            mean, variance = self._combined_statistics(data, where)
        with torch.no_grad():
            self.adapt_mean.copy_(torch.as_tensor(np.asarray(mean) if not isinstance(
                mean, torch.Tensor) else mean).reshape(self._stats_shape))
            self.adapt_variance.copy_(torch.as_tensor(np.asarray(variance) if not isinstance(
                variance, torch.Tensor) else variance).reshape(self._stats_shape))

    def _check_kept_sizes(self, shape, where):
        for d in self._keep_axis:
            if d >= len(shape) or shape[d] != self._built_shape[d]:
                raise ValueError(f"{where} was built for inputs of shape "
                                 f"{format_shape(self._built_shape)}; adapt() got data of "
                                 f"shape {format_shape(shape)}")

    def _combined_statistics(self, batches, where):
        """Mean and variance over all batches, merged one batch at a time (in float32)."""
        mean = torch.zeros(self._stats_shape)
        variance = torch.zeros(self._stats_shape)
        total = 0
        for batch in batches:
            batch = torch.as_tensor(np.asarray(_first_of(batch)) if not isinstance(
                _first_of(batch), torch.Tensor) else _first_of(batch)).to(self._dtype)
            self._check_kept_sizes(tuple(batch.shape), where)
            batch_mean = torch.mean(batch, dim=self._reduce_axis)
            batch_var = torch.var(batch, dim=self._reduce_axis, correction=0)
            count = math.prod(batch.shape[d] for d in self._reduce_axis)
            total += count
            new_weight = float(count) / total
            old_weight = 1.0 - new_weight
            new_mean = mean * old_weight + batch_mean * new_weight
            variance = ((variance + (mean - new_mean) ** 2) * old_weight
                        + (batch_var + (batch_mean - new_mean) ** 2) * new_weight)
            mean = new_mean
        return mean, variance

    # ------------------------------------------------------------------ calling
    def call(self, inputs):
        x = inputs.to(self._dtype)
        mean, variance = self._statistics()
        std = torch.clamp(torch.sqrt(variance), min=backend_epsilon())
        if self.invert:
            return mean + x * std
        return (x - mean) / std

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_dtype(self, input_dtype):
        return self._dtype

    def get_config(self):
        return {
            **super().get_config(), "axis": self.axis, "invert": self.invert,
            "mean": _as_list(self.input_mean), "variance": _as_list(self.input_variance),
        }

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        if isinstance(config.get("axis"), list):
            config["axis"] = tuple(config["axis"])
        return cls(**config)


def _first_of(batch):
    """The inputs of a batch that is an ``(x, y)`` tuple (as a DataLoader may yield)."""
    return batch[0] if isinstance(batch, tuple) else batch


def _as_list(value):
    if value is None:
        return None
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu().numpy()
    return np.array(value).tolist()
