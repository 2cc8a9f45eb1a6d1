"""``RMSNormalization``: scale each example by the inverse root mean square of its features."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sloi.engine import Layer
from sloi.engine.symbolic import format_shape


def _axes_list(axis):
    return list(axis) if isinstance(axis, (list, tuple)) else [axis]


class RMSNormalization(Layer):
    """Root mean square normalization (Zhang & Sennrich, 2019):
    ``x / sqrt(mean(x², axis) + epsilon) * scale``; no mean is subtracted and there is no
    offset. Same in training and inference.

    Args:
        axis: an int or a list of ints, the axes to normalize over (``-1``: the features).
        epsilon: added to the mean square before the square root, 1e-6 by default.

    Input shape: any. Output shape: the input's.
    Weights: ``scale``, of the sizes of ``axis`` (sorted), initialized to ones.

    Example:
        >>> x = Input(shape=(10, 64))
        >>> y = RMSNormalization()(x)   # (None, 10, 64), 64 parameters
    """

    def __init__(self, axis=-1, epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        axes = _axes_list(axis)
        if not axes or not all(isinstance(a, int) and not isinstance(a, bool) for a in axes):
            raise ValueError(f'Layer "{self.name}" (RMSNormalization): axis must be an int or a '
                             f"list of ints; got axis={axis!r}")
        self.axis = list(axis) if isinstance(axis, (list, tuple)) else axis
        self.epsilon = epsilon
        self.scale = None

    def _positive_axes(self, input_shape) -> list[int]:
        rank = len(input_shape)
        axes = _axes_list(self.axis)
        if any(not -rank <= a < rank for a in axes) or len({a % rank for a in axes}) != len(axes):
            raise ValueError(
                f'Layer "{self.name}" (RMSNormalization): axis {self.axis} is out of range or '
                f"repeated for inputs of shape {format_shape(tuple(input_shape))}")
        return [a % rank for a in axes]

    def build(self, input_shape):
        self._positive_axes(input_shape)
        # Keras sorts the axes as given (negative ones first) and sizes the scale that way.
        keras_axes = sorted(_axes_list(self.axis))
        shape = tuple(input_shape[a] for a in keras_axes)
        if None in shape:
            raise ValueError(
                f'Layer "{self.name}" (RMSNormalization) needs the sizes of axis {self.axis} to '
                f"be known; got shape {format_shape(tuple(input_shape))}")
        self.scale = self.add_weight("scale", shape, "ones")

    def call(self, x):
        rank = x.ndim
        axes = sorted(self._positive_axes(x.shape))
        keras_axes = [a % rank for a in sorted(_axes_list(self.axis))]
        # Computed in float32 at least, for half-precision inputs, as Keras does.
        y = x.float() if x.dtype in (torch.float16, torch.bfloat16) else x
        scale = self.scale.to(y.dtype)
        if keras_axes != axes:  # mixed-sign axes: the scale's axes in the tensor's order
            scale = scale.permute([keras_axes.index(a) for a in axes])
        if axes == list(range(rank - len(axes), rank)):  # trailing axes: torch's fused kernel
            out = F.rms_norm(y, tuple(y.shape[a] for a in axes), scale, self.epsilon)
        else:
            shape = [y.shape[d] if d in axes else 1 for d in range(rank)]
            inv = torch.rsqrt(torch.mean(y * y, dim=axes, keepdim=True) + self.epsilon)
            out = y * inv * scale.reshape(shape)
        return out.to(x.dtype)

    def compute_output_shape(self, input_shape):
        self._positive_axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis, "epsilon": self.epsilon}
