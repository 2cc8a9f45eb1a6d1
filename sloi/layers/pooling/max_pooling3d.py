"""``MaxPooling3D``: the maximum of each window of a volume, channel by channel."""

from sloi.kernels.pooling import max_pool
from sloi.layers.pooling.base_pooling import BasePooling


class MaxPooling3D(BasePooling):
    """3-D max pooling (over depth, height and width).

    Args:
        pool_size: int or ``(depth, height, width)`` of the window, ``(2, 2, 2)`` by default.
        strides: int or ``(depth, height, width)`` step; None (default) means ``pool_size``.
        padding: ``"valid"`` (default) or ``"same"`` (an odd step of padding goes at the end;
            padding never wins the maximum).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, depth, height, width, channels)`` (or channels first).
    Output shape: ``(batch, new_depth, new_height, new_width, channels)``, each new size
    ``(size - pool) // stride + 1`` with "valid", ``ceil(size / stride)`` with "same".

    Example:
        >>> x = Input(shape=(8, 28, 28, 8))
        >>> y = MaxPooling3D(2)(x)   # (None, 4, 14, 14, 8)
    """

    pool_function = staticmethod(max_pool)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(3, pool_size, strides, padding, data_format, **kwargs)
