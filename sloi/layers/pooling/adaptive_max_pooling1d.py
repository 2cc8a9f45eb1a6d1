"""``AdaptiveMaxPooling1D``: the maximum over windows that tile the input into a fixed
number of positions, whatever its size."""

from sloi.kernels.pooling import adaptive_max_pool
from sloi.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveMaxPooling1D(BaseAdaptivePooling):
    """Adaptive 1-D max pooling (see ``BaseAdaptivePooling`` for the windows).

    Args:
        output_size: int or 1-tuple, the number of output steps.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, output_size, channels)`` (or channels first).

    Example:
        >>> x = Input(shape=(100, 8))
        >>> y = AdaptiveMaxPooling1D(10)(x)   # (None, 10, 8)
    """

    pool_function = staticmethod(adaptive_max_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(1, output_size, data_format, **kwargs)
