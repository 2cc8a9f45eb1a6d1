"""``LeakyReLU``: ``x`` for positive inputs, ``negative_slope * x`` for negative ones."""

import numbers
import warnings

from sloi import activations
from sloi.engine import Layer


class LeakyReLU(Layer):
    """Leaky rectified linear unit: ``f(x) = x if x >= 0 else negative_slope * x``.

    Args:
        negative_slope: slope for negative inputs (non-negative), 0.3 by default. Keras 2's name
            for it, ``alpha``, is accepted with a deprecation warning, as Keras 3 does.

    Input shape: any. Output shape: the input's. The mask, if any, passes through.

    Example:
        >>> LeakyReLU(negative_slope=0.1)(torch.tensor([-2.0, 3.0]))   # tensor([-0.2, 3.])
    """

    def __init__(self, negative_slope=0.3, **kwargs):
        if "alpha" in kwargs:
            negative_slope = kwargs.pop("alpha")
            warnings.warn("Argument `alpha` is deprecated. Use `negative_slope` instead.",
                          stacklevel=2)
        super().__init__(**kwargs)
        if (isinstance(negative_slope, bool) or not isinstance(negative_slope, numbers.Real)
                or negative_slope < 0):
            raise ValueError(
                f'Layer "{self.name}" (LeakyReLU): negative_slope must be a non-negative '
                f"number; got negative_slope={negative_slope!r}"
            )
        self.negative_slope = negative_slope
        self.supports_masking = True

    def call(self, inputs):
        return activations.leaky_relu(inputs, negative_slope=self.negative_slope)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "negative_slope": self.negative_slope}
