"""``BaseZeroPadding``: add zeros at both ends of each spatial axis; ``ZeroPadding2D`` and
``ZeroPadding3D`` fix the rank."""

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


class BaseZeroPadding(ArgumentChecks, Layer):
    """Zero padding of the spatial axes.

    Args:
        rank: number of spatial axes.
        padding: an int (the same at both ends of every axis), ``rank`` ints (symmetric, per
            axis) or ``rank`` pairs ``(before, after)``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Output shape: each spatial size plus its ``before + after``.
    """

    def __init__(self, rank, padding, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.data_format = self._checked(normalize_data_format, data_format)
        self.padding = self._checked(self.normalize_padding, padding)
        self.input_spec = InputSpec(ndim=rank + 2, layout=describe_layout(rank, self.data_format))

    def normalize_padding(self, padding) -> tuple:
        """``padding`` as ``rank`` pairs ``(before, after)``."""
        return normalize_pairs(padding, self.rank, "padding")

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, (before, after) in zip(spatial_axes(self.rank + 2, self.data_format),
                                         self.padding, strict=True):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def call(self, inputs):
        return pad_spatial(inputs, self.padding, self.data_format)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
