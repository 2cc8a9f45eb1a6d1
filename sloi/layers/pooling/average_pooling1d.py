"""``AveragePooling1D``: the mean of each window of a sequence, channel by channel."""

from sloi.kernels.pooling import average_pool
from sloi.layers.pooling.base_pooling import BasePooling


class AveragePooling1D(BasePooling):
    """1-D average pooling (over time steps).

    Args:
        pool_size: int, the window length, 2 by default.
        strides: int step of the window; None (default) means ``pool_size``.
        padding: ``"valid"`` (default) or ``"same"`` (an odd step of padding goes at the end).
            As in Keras 3 on PyTorch, padding split evenly is left out of the average; uneven
            padding repeats the edge values, which are then counted.
        data_format: ``"channels_last"`` (default, ``(batch, steps, channels)``) or
            ``"channels_first"`` (``(batch, channels, steps)``).

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, new_steps, channels)``, ``new_steps = (steps - pool_size) //
    strides + 1`` with "valid", ``ceil(steps / strides)`` with "same".

    Example:
        >>> x = Input(shape=(100, 8))
        >>> y = AveragePooling1D(4, strides=2, padding="same")(x)   # (None, 50, 8)
    """

    pool_function = staticmethod(average_pool)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(1, pool_size, strides, padding, data_format, **kwargs)
