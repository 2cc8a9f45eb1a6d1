"""``ZeroPadding3D``: add planes of zeros around a volume."""

from __future__ import annotations

from sloi.layers.reshaping.base_zero_padding import BaseZeroPadding


class ZeroPadding3D(BaseZeroPadding):
    """Zero padding of the depth, height and width axes.

    Args:
        padding: an int (the same on all six sides), ``(d, h, w)`` (symmetric per axis) or
            ``((d1, d2), (h1, h2), (w1, w2))``. ``((1, 1), (1, 1), (1, 1))`` by default.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, depth, height, width, channels)`` (or channels first).
    Output shape: ``(batch, d1 + depth + d2, h1 + height + h2, w1 + width + w2, channels)``.

    Example:
        >>> x = Input(shape=(4, 8, 8, 3))
        >>> y = ZeroPadding3D(((1, 0), 2, (0, 3)))(x)   # (None, 5, 12, 11, 3)
    """

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, **kwargs):
        super().__init__(3, padding, data_format, **kwargs)
