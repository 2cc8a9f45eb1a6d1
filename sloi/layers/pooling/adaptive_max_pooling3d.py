"""``AdaptiveMaxPooling3D``: the maximum over windows that tile the input into a fixed
number of positions, whatever its size."""

from sloi.kernels.pooling import adaptive_max_pool
from sloi.layers.pooling.base_adaptive_pooling import BaseAdaptivePooling


class AdaptiveMaxPooling3D(BaseAdaptivePooling):
    """Adaptive 3-D max pooling (see ``BaseAdaptivePooling`` for the windows).

    Args:
        output_size: int or ``(out_depth, out_height, out_width)``.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, depth, height, width, channels)`` (or channels first).
    Output shape: ``(batch, out_depth, out_height, out_width, channels)`` (or channels first).

    Example:
        >>> x = Input(shape=(10, 20, 20, 4))
        >>> y = AdaptiveMaxPooling3D((5, 4, 4))(x)   # (None, 5, 4, 4, 4)
    """

    pool_function = staticmethod(adaptive_max_pool)

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(3, output_size, data_format, **kwargs)
