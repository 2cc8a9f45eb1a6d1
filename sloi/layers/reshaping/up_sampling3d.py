"""``UpSampling3D``: enlarge volumes by integer factors, repeating positions."""

from sloi.layers.reshaping.base_up_sampling import BaseUpSampling


class UpSampling3D(BaseUpSampling):
    """Upsampling of volumes: each position repeated into a ``size`` block.

    Args:
        size: int or ``(depth, height, width)`` factors, ``(2, 2, 2)`` by default.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, depth, height, width, channels)`` (or channels first).
    Output shape: ``(batch, depth * size[0], height * size[1], width * size[2], channels)``.

    Example:
        >>> x = Input(shape=(4, 8, 8, 3))
        >>> y = UpSampling3D((1, 2, 2))(x)   # (None, 4, 16, 16, 3)
    """

    def __init__(self, size=(2, 2, 2), data_format=None, **kwargs):
        super().__init__(3, size, data_format, **kwargs)
