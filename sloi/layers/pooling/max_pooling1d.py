"""``MaxPooling1D``: the maximum of each window of a sequence, channel by channel."""

from sloi.kernels.pooling import max_pool
from sloi.layers.pooling.base_pooling import BasePooling


class MaxPooling1D(BasePooling):
    """1-D max pooling (over time steps).

    Args:
        pool_size: int, the window length, 2 by default.
        strides: int step of the window; None (default) means ``pool_size``.
        padding: ``"valid"`` (default) or ``"same"`` (an odd step of padding goes at the end;
            padding never wins the maximum).
        data_format: ``"channels_last"`` (default, ``(batch, steps, channels)``) or
            ``"channels_first"`` (``(batch, channels, steps)``).

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, new_steps, channels)``, ``new_steps = (steps - pool_size) //
    strides + 1`` with "valid", ``ceil(steps / strides)`` with "same".

    Example:
        >>> x = Input(shape=(996, 20))
        >>> y = MaxPooling1D(3)(x)   # (None, 332, 20)
    """

    pool_function = staticmethod(max_pool)

    def __init__(self, pool_size=2, strides=None, padding="valid", data_format=None, **kwargs):
        super().__init__(1, pool_size, strides, padding, data_format, **kwargs)
