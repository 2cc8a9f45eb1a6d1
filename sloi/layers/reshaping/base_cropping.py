"""``BaseCropping``: remove positions at both ends of each spatial axis; ``Cropping2D`` and
``Cropping3D`` fix the rank (``Cropping1D``, which Keras gives no ``data_format``, stands
alone)."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape
from sloi.kernels.conv import describe_layout, normalize_data_format, normalize_pairs, spatial_axes
from sloi.layers.argument_checks import ArgumentChecks


class BaseCropping(ArgumentChecks, Layer):
    """Cropping of the spatial axes.

    Args:
        rank: number of spatial axes.
        cropping: an int (that many positions off both ends of every axis), ``rank`` ints
            (symmetric, per axis) or ``rank`` pairs ``(before, after)``. At least one position
            of each axis must remain.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Output shape: each spatial size less its ``before + after``.
    """

    def __init__(self, rank, cropping, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        self.cropping = self._checked(normalize_pairs, cropping, rank, "cropping")
        self.data_format = self._checked(normalize_data_format, data_format)
        self._spatial_axes = spatial_axes(rank + 2, self.data_format)
        self.input_spec = InputSpec(ndim=rank + 2, layout=describe_layout(rank, self.data_format))

    def _check_sizes(self, input_shape):
        for axis, (before, after) in zip(self._spatial_axes, self.cropping, strict=True):
            if input_shape[axis] is not None and input_shape[axis] <= before + after:
                sizes = tuple(input_shape[a] for a in self._spatial_axes)
                raise self._error(
                    f"cropping {self.cropping} removes every position of an axis of the "
                    f"spatial size {sizes}; got input shape {format_shape(tuple(input_shape))}"
                )

    def build(self, input_shape):
        self._check_sizes(input_shape)

    def compute_output_shape(self, input_shape):
        self._check_sizes(input_shape)
        shape = list(input_shape)
        for axis, (before, after) in zip(self._spatial_axes, self.cropping, strict=True):
            if shape[axis] is not None:
                shape[axis] -= before + after
        return tuple(shape)

    def call(self, inputs):
        self._check_sizes(tuple(inputs.shape))  # inputs with unknown sizes reach here unchecked
        index = [slice(None)] * inputs.dim()
        for axis, (before, after) in zip(self._spatial_axes, self.cropping, strict=True):
            index[axis] = slice(before, inputs.shape[axis] - after)
        return inputs[tuple(index)]

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping,
                "data_format": self.data_format}
