"""``Cropping1D``: remove time steps at the start and at the end of a sequence."""

from __future__ import annotations

from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape
from sloi.kernels.conv import normalize_tuple


class Cropping1D(Layer):
    """Cropping of the steps axis (Keras has no channels-first form of this layer).

    Args:
        cropping: an int (that many steps off each end) or ``(start, end)``. ``(1, 1)`` by
            default. At least one step must remain.

    Input shape: ``(batch, steps, features)``.
    Output shape: ``(batch, steps - start - end, features)``.

    Example:
        >>> x = Input(shape=(10, 4))
        >>> y = Cropping1D((2, 3))(x)   # (None, 5, 4)
    """

    def __init__(self, cropping=(1, 1), **kwargs):
        super().__init__(**kwargs)
        try:
            self.cropping = normalize_tuple(cropping, 2, "cropping (start, end)", allow_zero=True)
        except ValueError as e:
            raise ValueError(f'Layer "{self.name}" (Cropping1D): {e}') from None
        self.input_spec = InputSpec(ndim=3, layout="(batch, steps, features)")

    def _check_length(self, input_shape):
        steps = input_shape[1]
        if steps is not None and steps <= sum(self.cropping):
            raise ValueError(
                f'Layer "{self.name}" (Cropping1D): cropping {self.cropping} removes all '
                f"{steps} steps of the input; got input shape {format_shape(tuple(input_shape))}"
            )

    def build(self, input_shape):
        self._check_length(input_shape)

    def compute_output_shape(self, input_shape):
        self._check_length(input_shape)
        batch, steps, features = input_shape
        return (batch, None if steps is None else steps - sum(self.cropping), features)

    def call(self, inputs):
        self._check_length(tuple(inputs.shape))  # inputs with unknown length reach here unchecked
        start, end = self.cropping
        return inputs[:, start:inputs.shape[1] - end]

    def get_config(self):
        return {**super().get_config(), "cropping": self.cropping}
