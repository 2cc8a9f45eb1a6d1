"""``ReLU``: the rectified linear unit, with Keras's optional cap, slope and threshold."""

import numbers

from sloi import activations
from sloi.engine import Layer


def _check_number(layer, name, value, allow_none=False):
    """A non-negative real number (or None where allowed), else an error naming the layer."""
    if value is None and allow_none:
        return None
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
        raise ValueError(
            f'Layer "{layer.name}" ({type(layer).__name__}): {name} must be a non-negative '
            f"number; got {name}={value!r}"
        )
    return value


class ReLU(Layer):
    """Rectified linear unit:

    ``f(x) = max_value`` for ``x >= max_value``,
    ``f(x) = x`` for ``threshold <= x < max_value``,
    ``f(x) = negative_slope * (x - threshold)`` otherwise.

    Args:
        max_value: the largest output (non-negative); None leaves it unbounded.
        negative_slope: slope below the threshold (non-negative), 0 by default.
        threshold: where the function leaves zero (non-negative), 0 by default.

    Input shape: any. Output shape: the input's. The mask, if any, passes through.

    Example:
        >>> ReLU(max_value=6.0)(torch.tensor([-1.0, 3.0, 9.0]))   # tensor([0., 3., 6.])
    """

    def __init__(self, max_value=None, negative_slope=0.0, threshold=0.0, **kwargs):
        super().__init__(**kwargs)
        self.max_value = _check_number(self, "max_value", max_value, allow_none=True)
        self.negative_slope = _check_number(self, "negative_slope", negative_slope)
        self.threshold = _check_number(self, "threshold", threshold)
        self.supports_masking = True

    def call(self, inputs):
        return activations.relu(inputs, negative_slope=self.negative_slope,
                                max_value=self.max_value, threshold=self.threshold)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "max_value": self.max_value,
            "negative_slope": self.negative_slope,
            "threshold": self.threshold,
        }
