"""``ActivityRegularization``: adds an L1/L2 penalty on the activations to the model's loss."""

from __future__ import annotations

import numbers

from sloi import regularizers
from sloi.engine import Layer


class ActivityRegularization(Layer):
    """Returns its input unchanged and records ``l1 * sum(|x|) + l2 * sum(x²)`` (divided by the
    batch size, as every activity regularizer) in ``layer.losses``, which ``fit`` adds to the
    loss.

    Args:
        l1: the L1 factor, 0 by default.
        l2: the L2 factor, 0 by default.

    Input shape: any. Output shape: the input's.

    Example:
        >>> x = Input(shape=(16,))
        >>> y = ActivityRegularization(l1=1e-4)(Dense(16)(x))
    """

    def __init__(self, l1=0.0, l2=0.0, **kwargs):
        kwargs.pop("activity_regularizer", None)  # fixed by l1 and l2
        super().__init__(**kwargs)
        for arg, value in (("l1", l1), ("l2", l2)):
            if isinstance(value, bool) or not isinstance(value, numbers.Real) or value < 0:
                raise ValueError(
                    f'Layer "{self.name}" (ActivityRegularization): {arg} must be a '
                    f"non-negative number; got {arg}={value!r}"
                )
        self.activity_regularizer = regularizers.L1L2(l1=l1, l2=l2)
        self.l1 = l1
        self.l2 = l2
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.pop("activity_regularizer", None)
        return {**config, "l1": self.l1, "l2": self.l2}
