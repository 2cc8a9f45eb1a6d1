"""``ZeroPadding1D``: add zero time steps at the start and at the end of a sequence."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.kernels.conv import (
    describe_layout,
    normalize_data_format,
    normalize_tuple,
    pad_spatial,
    spatial_axes,
)


class ZeroPadding1D(Layer):
    """Zero padding of the steps axis.

    Args:
        padding: an int (that many zero steps at each end) or ``(left, right)``. 1 by default.
        data_format: ``"channels_last"`` (default, ``(batch, steps, features)``) or
            ``"channels_first"`` (``(batch, features, steps)``).

    Input shape: ``(batch, steps, features)`` (or channels first).
    Output shape: ``(batch, left + steps + right, features)`` (or channels first).

    Example:
        >>> x = Input(shape=(10, 4))
        >>> y = ZeroPadding1D((2, 0))(x)   # (None, 12, 4), two zero steps in front
    """

    def __init__(self, padding=1, data_format=None, **kwargs):
        super().__init__(**kwargs)
        try:
            self.data_format = normalize_data_format(data_format)
            self.padding = normalize_tuple(padding, 2, "padding (left, right)", allow_zero=True)
        except ValueError as e:
            raise ValueError(f'Layer "{self.name}" (ZeroPadding1D): {e}') from None
        self.input_spec = InputSpec(ndim=3, layout=describe_layout(1, self.data_format))
        self._steps_axis = spatial_axes(3, self.data_format)[0]

    def compute_output_shape(self, input_shape):
        shape = list(input_shape)
        if shape[self._steps_axis] is not None:
            shape[self._steps_axis] += sum(self.padding)
        return tuple(shape)

    def call(self, inputs):
        return pad_spatial(inputs, [self.padding], self.data_format)

    def get_config(self):
        return {**super().get_config(), "padding": self.padding, "data_format": self.data_format}
