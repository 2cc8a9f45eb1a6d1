"""``BaseAdaptivePooling``: pooling to a fixed output size whatever the input size; the
``AdaptiveMaxPooling*D`` and ``AdaptiveAveragePooling*D`` layers fix the rank and the reduction
(``pool_function``)."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.kernels.conv import (
    channel_axis,
    describe_layout,
    normalize_data_format,
    normalize_tuple,
)
from sloi.layers.argument_checks import ArgumentChecks


class BaseAdaptivePooling(ArgumentChecks, Layer):
    """Reduce each spatial axis of length ``n`` to ``m = output_size`` positions: position
    ``i`` pools the window ``[floor(i * n / m), ceil((i + 1) * n / m))``. These are torch's
    adaptive pooling bins, which Keras 3 runs on PyTorch (and its JAX backend computes the
    same edges); neighbouring windows overlap when ``m`` does not divide ``n``, and an output
    larger than the input repeats positions.

    Args:
        rank: number of spatial axes.
        output_size: int (the same on every spatial axis) or tuple of ``rank`` positive ints.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Subclasses set ``pool_function(x, output_size, data_format)``.
    """

    pool_function = None

    def __init__(self, rank, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.output_size = self._checked(normalize_tuple, output_size, rank, "output_size")
        self.data_format = self._checked(normalize_data_format, data_format)
        self.input_spec = InputSpec(ndim=rank + 2, layout=describe_layout(rank, self.data_format))

    def compute_output_shape(self, input_shape):
        batch, channels = input_shape[0], input_shape[channel_axis(self.data_format)]
        if self.data_format == "channels_last":
            return (batch, *self.output_size, channels)
        return (batch, channels, *self.output_size)

    def call(self, inputs):
        return self.pool_function(inputs, self.output_size, self.data_format)

    def get_config(self):
        return {**super().get_config(), "output_size": self.output_size,
                "data_format": self.data_format}
