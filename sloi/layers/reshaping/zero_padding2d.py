"""``ZeroPadding2D``: add rows and columns of zeros around an image."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.kernels.conv import (
    describe_layout,
    normalize_data_format,
    normalize_tuple,
    pad_spatial,
    spatial_axes,
)


class ZeroPadding2D(Layer):
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
        super().__init__(**kwargs)
        try:
            self.data_format = normalize_data_format(data_format)
            self.padding = _normalize_padding(padding)
        except ValueError as e:
            raise ValueError(f'Layer "{self.name}" (ZeroPadding2D): {e}') from None
        self.input_spec = InputSpec(ndim=4, layout=describe_layout(2, self.data_format))

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        axes = spatial_axes(4, self.data_format)
        for axis, (before, after) in zip(axes, self.padding, strict=True):
            if shape[axis] is not None:
                shape[axis] += before + after
        return tuple(shape)

    def call(self, inputs):
        return pad_spatial(inputs, self.padding, self.data_format)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}


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
