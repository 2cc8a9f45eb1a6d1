"""``Reshape``: give the non-batch axes a new shape."""

import math

from sloi.engine import Layer
from sloi.engine.symbolic import format_shape


class Reshape(Layer):
    """Reshapes the input, keeping the batch axis: ``(batch, 12)`` to ``(batch, 3, 4)``.

    Values keep their row-major (C) order, as in Keras.

    Args:
        target_shape: the new shape without the batch; one entry may be ``-1``, inferred from
            the input's size.

    Input shape: any with as many values per example as ``target_shape``.
    Output shape: ``(batch, *target_shape)`` (``-1`` resolved, or ``None`` when the input's size
    is unknown until run time).

    Example:
        >>> x = Input(shape=(12,))
        >>> y = Reshape((-1, 2, 2))(x)   # (None, 3, 2, 2)
    """

    def __init__(self, target_shape, **kwargs):
        super().__init__(**kwargs)
        target_shape = tuple(target_shape)
        bad = [d for d in target_shape if isinstance(d, bool) or not isinstance(d, int) or d < -1]
        if bad or target_shape.count(-1) > 1:
            raise ValueError(
                f'Layer "{self.name}" (Reshape): target_shape entries must be non-negative ints '
                f"with at most one -1; got target_shape={target_shape}"
            )
        self.target_shape = target_shape

    def _resolve(self, full_shape) -> tuple:
        """The target shape with ``-1`` worked out from the input's ``full_shape`` (batch
        first); ``None`` where sizes are not known yet."""
        input_shape = tuple(full_shape[1:])
        if None in input_shape:
            return tuple(None if d == -1 else d for d in self.target_shape)
        size = math.prod(input_shape)
        known = math.prod(d for d in self.target_shape if d != -1)
        fits = size == known if -1 not in self.target_shape else known and size % known == 0
        if not fits:
            raise ValueError(
                f'Layer "{self.name}" (Reshape) cannot reshape inputs of shape '
                f"{format_shape(tuple(full_shape))} ({size} values per example) to "
                f"target_shape {format_shape(self.target_shape)}"
            )
        return tuple(size // known if d == -1 else d for d in self.target_shape)

    def call(self, inputs):
        return inputs.reshape((inputs.shape[0],) + self._resolve(tuple(inputs.shape)))

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + self._resolve(tuple(input_shape))

    def get_config(self):
        return {**super().get_config(), "target_shape": self.target_shape}
