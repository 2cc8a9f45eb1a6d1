"""``AdaptiveAveragePooling1D``: the mean over windows that tile the input into a fixed
number of positions, whatever its size."""

from sloi.kernels.pooling import adaptive_average_pool
from sloi.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveAveragePooling1D(BaseAdaptivePooling):
    """Adaptive 1-D average pooling (see ``BaseAdaptivePooling`` for the windows).

    Args:
        output_size: int or 1-tuple, the number of output steps.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, output_size, channels)`` (or channels first).

    Example:
        >>> x = Input(shape=(100, 8))
        >>> y = AdaptiveAveragePooling1D(10)(x)   # (None, 10, 8)
    """

    pool_function = staticmethod(adaptive_average_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(1, output_size, data_format, **kwargs)
