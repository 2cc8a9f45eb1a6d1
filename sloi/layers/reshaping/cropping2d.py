"""``Cropping2D``: remove rows and columns at the edges of an image."""

from sloi.layers.reshaping.base_cropping import BaseCropping


class Cropping2D(BaseCropping):
    """Cropping of the height and width axes (see ``BaseCropping``).

    Args:
        cropping: an int (the same on all four sides), ``(h, w)`` (``h`` rows off the top and
            the bottom, ``w`` columns off the left and the right) or
            ``((top, bottom), (left, right))``. ``((0, 0), (0, 0))`` by default.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, height, width, channels)`` (or channels first).
    Output shape: ``(batch, height - top - bottom, width - left - right, channels)``.

    Example:
        >>> x = Input(shape=(28, 28, 3))
        >>> y = Cropping2D(((2, 2), (4, 4)))(x)   # (None, 24, 20, 3)
    """

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, **kwargs):
        super().__init__(2, cropping, data_format, **kwargs)
