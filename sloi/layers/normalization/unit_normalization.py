"""``UnitNormalization``: scale each example to unit L2 norm along some axes."""

from __future__ import annotations

import torch

from sloi.engine import Layer
from sloi.engine.symbolic import format_shape


class UnitNormalization(Layer):
    """``x / ||x||₂`` along ``axis``, so that each slice has unit Euclidean norm. A slice of
    zeros stays zero (the inverse norm is capped at 1e12, as in Keras).

    Args:
        axis: an int or a list of ints, the axes the norm is taken over (``-1``: features).

    Input shape: any. Output shape: the input's.

    Example:
        >>> UnitNormalization()(torch.tensor([[3.0, 4.0]]))   # tensor([[0.6, 0.8]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
                raise TypeError(f'Layer "{self.name}" (UnitNormalization): axis must be an int '
                                f"or a list of ints; got axis={axis!r}")
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(f'Layer "{self.name}" (UnitNormalization): axis must be an int or a '
                            f"list of ints; got axis={axis!r}")
        self.supports_masking = True

    def _check_axes(self, input_shape):
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        if any(not -rank <= a < rank for a in axes):
            raise ValueError(f'Layer "{self.name}" (UnitNormalization): axis {self.axis} is out '
                             f"of range for inputs of shape {format_shape(tuple(input_shape))}")

    def call(self, inputs):
        self._check_axes(inputs.shape)
        square_sum = torch.sum(inputs * inputs, dim=self.axis, keepdim=True)
        return inputs * torch.rsqrt(square_sum).clamp(max=1e12)

    def compute_output_shape(self, input_shape):
        self._check_axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
