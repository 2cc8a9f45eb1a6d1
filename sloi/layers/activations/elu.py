"""``ELU``: the exponential linear unit."""

import numbers

from sloi import activations
from sloi.engine import Layer


class ELU(Layer):
    """Exponential linear unit (Clevert et al., 2016):
    ``f(x) = x if x > 0 else alpha * (exp(x) - 1)``.

    Args:
        alpha: the value the output approaches for large negative inputs is ``-alpha``;
            1.0 by default.

    Input shape: any. Output shape: the input's. The mask, if any, passes through.

    Example:
        >>> ELU()(torch.tensor([-1.0, 2.0]))   # tensor([-0.6321, 2.])
    """

    def __init__(self, alpha=1.0, **kwargs):
        super().__init__(**kwargs)
        if isinstance(alpha, bool) or not isinstance(alpha, numbers.Real):
            raise ValueError(f'Layer "{self.name}" (ELU): alpha must be a number; got '
                             f"alpha={alpha!r}")
        self.alpha = alpha
        self.supports_masking = True

    def call(self, inputs):
        return activations.elu(inputs, alpha=self.alpha)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "alpha": self.alpha}
