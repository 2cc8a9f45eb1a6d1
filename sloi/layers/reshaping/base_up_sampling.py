"""``BaseUpSampling``: enlarge the spatial axes by integer factors; ``UpSampling2D`` and
``UpSampling3D`` fix the rank (and 2-D adds the interpolation). The arithmetic lives in
``sloi.kernels.resampling``."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.kernels.conv import (
    describe_layout,
    normalize_data_format,
    normalize_tuple,
    spatial_axes,
)
from sloi.kernels.resampling import upsample
from sloi.layers.argument_checks import ArgumentChecks


class BaseUpSampling(ArgumentChecks, Layer):
    """Upsampling of the spatial axes, ``size[k]`` times along axis ``k``.

    Args:
        rank: number of spatial axes.
        size: int or tuple of ``rank`` positive ints, the factors.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
    """

    interpolation = "nearest"

    def __init__(self, rank, size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.size = self._checked(normalize_tuple, size, rank, "size")
        self.data_format = self._checked(normalize_data_format, data_format)
        self.input_spec = InputSpec(ndim=rank + 2, layout=describe_layout(rank, self.data_format))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        for axis, factor in zip(spatial_axes(self.rank + 2, self.data_format), self.size,
                                strict=True):
            if shape[axis] is not None:
                shape[axis] *= factor
        return tuple(shape)

    def call(self, inputs):
        return upsample(inputs, self.size, self.data_format, self.interpolation)

    def get_config(self):
        return {**super().get_config(), "size": self.size, "data_format": self.data_format}
