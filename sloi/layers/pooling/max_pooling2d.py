"""``MaxPooling2D``: the maximum of each window of an image, channel by channel."""

from sloi.kernels.pooling import max_pool
from sloi.layers.pooling.base_pooling import BasePooling


class MaxPooling2D(BasePooling):
    """2-D max pooling.

    Args:
        pool_size: int or ``(height, width)`` of the window, ``(2, 2)`` by default.
        strides: int or ``(height, width)`` step; None (default) means ``pool_size``.
        padding: ``"valid"`` (default) or ``"same"`` (an odd pixel of padding goes at the
            bottom / right; padding never wins the maximum).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, height, width, channels)`` (or channels first).
    Output shape: ``(batch, new_height, new_width, channels)``, each new size
    ``(size - pool) // stride + 1`` with "valid", ``ceil(size / stride)`` with "same".

    Example:
        >>> x = Input(shape=(57, 57, 32))
        >>> y = MaxPooling2D((2, 2))(x)   # (None, 28, 28, 32)
    """

    pool_function = staticmethod(max_pool)

    def __init__(self, pool_size=(2, 2), strides=None, padding="valid", data_format=None,
                 **kwargs):
        super().__init__(2, pool_size, strides, padding, data_format, **kwargs)
