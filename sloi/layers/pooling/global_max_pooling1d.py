"""``GlobalMaxPooling1D``: the maximum of each channel over all time steps."""

from sloi.kernels.pooling import global_max_pool
from sloi.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalMaxPooling1D(BaseGlobalPooling):
    """Global max pooling over time steps.

    It ignores masks, as Keras 3 does (Keras warns and takes the maximum over every step,
    masked ones included): put the padding where it cannot win, or use
    ``GlobalAveragePooling1D``, which honours the mask.

    Args:
        data_format: ``"channels_last"`` (default, ``(batch, steps, channels)``) or
            ``"channels_first"`` (``(batch, channels, steps)``).
        keepdims: keep the steps axis with size 1 (False by default).

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, channels)``; with ``keepdims=True``, ``(batch, 1, channels)``
    (or ``(batch, channels, 1)`` channels first).

    Example:
        >>> x = Input(shape=(996, 20))
        >>> y = GlobalMaxPooling1D()(x)   # (None, 20)
    """

    pool_function = staticmethod(global_max_pool)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(1, data_format, keepdims, **kwargs)
