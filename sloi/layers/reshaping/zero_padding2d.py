"""``ZeroPadding2D``: add rows and columns of zeros around an image."""

from __future__ import annotations

from sloi.kernels.conv import normalize_tuple
from sloi.layers.reshaping.base_zero_padding import BaseZeroPadding


class ZeroPadding2D(BaseZeroPadding):
    """Zero padding of the height and width axes.

    Args:
        padding: an int (the same on all four sides), ``(h, w)`` (``h`` rows at the top and at
            the bottom, ``w`` columns at the left and at the right) or
            ``((top, bottom), (left, right))``. ``(1, 1)`` by default.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, height, width, channels)`` (or channels first).
    Output shape: ``(batch, top + height + bottom, left + width + right, channels)``.

    Example:
        >>> x = Input(shape=(28, 28, 3))
        >>> y = ZeroPadding2D(((1, 2), (3, 4)))(x)   # (None, 31, 35, 3)
    """

    def __init__(self, padding=(1, 1), data_format=None, **kwargs):
        super().__init__(2, padding, data_format, **kwargs)

    def normalize_padding(self, padding) -> tuple:
        # its own wording: the errors name the (top, bottom) and (left, right) pairs
        return _normalize_padding(padding)


def _normalize_padding(padding):
    """int, ``(h, w)`` or ``((top, bottom), (left, right))`` -> the last form."""
    if isinstance(padding, int) and not isinstance(padding, bool):
        padding = (padding, padding)
    if not isinstance(padding, (tuple, list)) or len(padding) != 2:
        raise ValueError(
            "`padding` must be an int, a tuple of 2 ints (height, width) or a tuple of 2 tuples "
            f"of 2 ints ((top, bottom), (left, right)); got {padding!r}"
        )
    return (
        normalize_tuple(padding[0], 2, "padding[0] (top, bottom)", allow_zero=True),
        normalize_tuple(padding[1], 2, "padding[1] (left, right)", allow_zero=True),
    )
