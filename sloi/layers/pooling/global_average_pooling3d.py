"""``GlobalAveragePooling3D``: the mean of each channel over the whole volume."""

from sloi.kernels.pooling import global_average_pool
from sloi.layers.pooling.base_global_pooling import BaseGlobalPooling


class GlobalAveragePooling3D(BaseGlobalPooling):
    """Global average pooling over depth, height and width.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        keepdims: keep depth, height and width as axes of size 1 (False by default).

    Input shape: ``(batch, depth, height, width, channels)`` (or channels first).
    Output shape: ``(batch, channels)``; with ``keepdims=True``, ``(batch, 1, 1, 1, channels)``
    (or ``(batch, channels, 1, 1, 1)`` channels first).

    Example:
        >>> x = Input(shape=(8, 28, 28, 32))
        >>> y = GlobalAveragePooling3D()(x)   # (None, 32)
    """

    pool_function = staticmethod(global_average_pool)

    def __init__(self, data_format=None, keepdims=False, **kwargs):
        super().__init__(3, data_format, keepdims, **kwargs)
