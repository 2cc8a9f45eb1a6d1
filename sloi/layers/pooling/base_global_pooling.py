"""``BaseGlobalPooling``: reduce all spatial axes at once; ``GlobalMaxPooling2D`` and
``GlobalAveragePooling2D`` (and their 1-D cousins) fix the rank and the reduction."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.kernels.conv import channel_axis, describe_layout, normalize_data_format


class BaseGlobalPooling(Layer):
    """One value per channel, over every spatial position.

    Args:
        rank: number of spatial axes.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep the spatial axes with size 1 (False by default: they are dropped).

    Subclasses set ``pool_function(x, data_format, keepdims)``.
    """

    pool_function = None

    def __init__(self, rank, data_format=None, keepdims=False, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        try:
            self.data_format = normalize_data_format(data_format)
        except ValueError as e:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): {e}') from None
        self.keepdims = bool(keepdims)
        self.input_spec = InputSpec(ndim=rank + 2, layout=describe_layout(rank, self.data_format))

    def compute_output_shape(self, input_shape):
        batch, channels = input_shape[0], input_shape[channel_axis(self.data_format)]
        if not self.keepdims:
            return (batch, channels)
        if self.data_format == "channels_last":
            return (batch,) + (1,) * self.rank + (channels,)
        return (batch, channels) + (1,) * self.rank

    def call(self, inputs):
        return self.pool_function(inputs, self.data_format, self.keepdims)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "keepdims": self.keepdims}
