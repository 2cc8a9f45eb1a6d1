"""``Cropping3D``: remove positions at the edges of a volume."""

from sloi.layers.reshaping.base_cropping import BaseCropping


class Cropping3D(BaseCropping):
    """Cropping of the depth, height and width axes (see ``BaseCropping``).

    Args:
        cropping: an int (the same on all six sides), ``(d, h, w)`` (symmetric per axis) or
            ``((d1, d2), (h1, h2), (w1, w2))``. ``((1, 1), (1, 1), (1, 1))`` by default.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, depth, height, width, channels)`` (or channels first).
    Output shape: ``(batch, depth - d1 - d2, height - h1 - h2, width - w1 - w2, channels)``.

    Example:
        >>> x = Input(shape=(28, 28, 10, 3))
        >>> y = Cropping3D(((2, 2), (4, 4), (2, 2)))(x)   # (None, 24, 20, 6, 3)
    """

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, cropping, data_format, **kwargs)
