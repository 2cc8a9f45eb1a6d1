"""``AdaptiveAveragePooling2D``: the mean over windows that tile the input into a fixed
number of positions, whatever its size."""

from sloi.kernels.pooling import adaptive_average_pool
from sloi.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling2D(BaseAdaptivePooling):
    """Adaptive 2-D average pooling (see ``BaseAdaptivePooling`` for the windows).

    Args:
        output_size: int or ``(out_height, out_width)``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, height, width, channels)`` (or channels first).
    Output shape: ``(batch, out_height, out_width, channels)`` (or channels first).

    Example:
        >>> x = Input(shape=(64, 64, 3))
        >>> y = AdaptiveAveragePooling2D(32)(x)   # (None, 32, 32, 3)
    """

    pool_function = staticmethod(adaptive_average_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(2, output_size, data_format, **kwargs)
