"""``BasePooling``: the N-D window pooling that ``MaxPooling2D`` / ``AveragePooling2D`` (and
their 1-D cousins) specialise by fixing the rank and the reduction (``pool_function``)."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape
from sloi.kernels.conv import (
    describe_layout,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    output_length,
    spatial_axes,
)
from sloi.layers.argument_checks import ArgumentChecks


class BasePooling(ArgumentChecks, Layer):
    """Reduce each ``pool_size`` window of the spatial axes to one value.

    Args:
        rank: number of spatial axes.
        pool_size: int or tuple of ``rank`` ints, the window size.
        strides: int or tuple of ``rank`` ints; None (default) means ``pool_size``
            (windows side by side).
        padding: ``"valid"`` (windows inside the input) or ``"same"`` (pad so that the output
            has ``ceil(size / stride)`` positions; an odd pixel of padding goes at the end).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Subclasses set ``pool_function(x, pool_size, strides, padding, data_format)``.
    """

    pool_function = None

    def __init__(self, rank, pool_size, strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.pool_size = self._checked(normalize_tuple, pool_size, rank, "pool_size")
        self.strides = self._checked(
            normalize_tuple, pool_size if strides is None else strides, rank, "strides"
        )
        self.padding = self._checked(normalize_padding, padding)
        self.data_format = self._checked(normalize_data_format, data_format)
        self.input_spec = InputSpec(ndim=rank + 2, layout=describe_layout(rank, self.data_format))
        self._spatial_axes = spatial_axes(rank + 2, self.data_format)

    def build(self, input_shape):
        self.compute_output_shape(input_shape)  # refuses inputs smaller than the window

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        shape = list(input_shape)
        for a, k, s in zip(self._spatial_axes, self.pool_size, self.strides, strict=True):
            shape[a] = output_length(input_shape[a], k, s, 1, self.padding)
            if shape[a] is not None and shape[a] <= 0:
                self._raise_too_small(input_shape)
        return tuple(shape)

    def _raise_too_small(self, input_shape):
        sizes = tuple(input_shape[a] for a in self._spatial_axes)
        raise self._error(
            f'pool_size {self.pool_size} is larger than the spatial size {sizes} of the input '
            f'with padding="valid"; got input shape {format_shape(input_shape)}'
        )

    def call(self, inputs):
        if self.padding == "valid":
            for a, k in zip(self._spatial_axes, self.pool_size, strict=True):
                if inputs.shape[a] < k:
                    self._raise_too_small(tuple(inputs.shape))
        return self.pool_function(
            inputs, self.pool_size, self.strides, self.padding, self.data_format
        )

    def get_config(self):
        return {
            **super().get_config(),
            "pool_size": self.pool_size,
            "padding": self.padding,
            "strides": self.strides,
            "data_format": self.data_format,
        }
