"""``AveragePooling3D``: the mean of each window of a volume, channel by channel."""

from sloi.kernels.pooling import average_pool
from sloi.layers.pooling.base_pooling import BasePooling


class AveragePooling3D(BasePooling):
    """3-D average pooling (over depth, height and width).

    Args:
        pool_size: int or ``(depth, height, width)`` of the window, ``(2, 2, 2)`` by default.
        strides: int or ``(depth, height, width)`` step; None (default) means ``pool_size``.
        padding: ``"valid"`` (default) or ``"same"`` (an odd step of padding goes at the end).
            As in Keras 3 on PyTorch, padding split evenly is left out of the average; uneven
            padding repeats the edge values, which are then counted.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, depth, height, width, channels)`` (or channels first).
    Output shape: ``(batch, new_depth, new_height, new_width, channels)``, each new size
    ``(size - pool) // stride + 1`` with "valid", ``ceil(size / stride)`` with "same".

    Example:
        >>> x = Input(shape=(6, 6, 6, 2))
        >>> y = AveragePooling3D(3, strides=2, padding="same")(x)   # (None, 3, 3, 3, 2)
    """

    pool_function = staticmethod(average_pool)

    def __init__(self, pool_size=(2, 2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(3, pool_size, strides, padding, data_format, **kwargs)
