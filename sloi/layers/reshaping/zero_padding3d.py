"""``ZeroPadding3D``: add planes of zeros around a volume."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.kernels.conv import (
    describe_layout,
    normalize_data_format,
    normalize_pairs,
    pad_spatial,
    spatial_axes,
)
from sloi.layers.argument_checks import ArgumentChecks


class ZeroPadding3D(ArgumentChecks, Layer):
    """Zero padding of the depth, height and width axes.

    Args:
        padding: an int (the same on all six sides), ``(d, h, w)`` (symmetric per axis) or
            ``((d1, d2), (h1, h2), (w1, w2))``. ``((1, 1), (1, 1), (1, 1))`` by default.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, depth, height, width, channels)`` (or channels first).
    Output shape: ``(batch, d1 + depth + d2, h1 + height + h2, w1 + width + w2, channels)``.

    Example:
        >>> x = Input(shape=(4, 8, 8, 3))
        >>> y = ZeroPadding3D(((1, 0), 2, (0, 3)))(x)   # (None, 5, 12, 11, 3)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.padding = self._checked(normalize_pairs, padding, 3, "padding")
        self.data_format = self._checked(normalize_data_format, data_format)
        self.input_spec = InputSpec(ndim=5, layout=describe_layout(3, self.data_format))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(spatial_axes(5, self.data_format), self.padding,
                                         strict=True):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def call(self, inputs):
        return pad_spatial(inputs, self.padding, self.data_format)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
