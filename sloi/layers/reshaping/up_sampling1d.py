"""``UpSampling1D``: repeat each time step ``size`` times."""

from __future__ import annotations

import torch

from sloi.engine import InputSpec, Layer


class UpSampling1D(Layer):
    """Upsampling of sequences: each step is repeated ``size`` times in a row
    (``[a, b] -> [a, a, b, b]`` for ``size=2``).

    Args:
        size: positive int, the repetition factor, 2 by default.

    Input shape: ``(batch, steps, features)``.
    Output shape: ``(batch, size * steps, features)``.

    Example:
        >>> x = Input(shape=(10, 4))
        >>> y = UpSampling1D(3)(x)   # (None, 30, 4)
    """

    def __init__(self, size=2, **kwargs):
        super().__init__(**kwargs)
        # Keras's exceptions: TypeError for a non-integer, ValueError for one below 1
        if isinstance(size, bool) or not isinstance(size, int):
            raise TypeError(
                f'Layer "{self.name}" (UpSampling1D): `size` must be a positive integer; '
                f"got {size!r} of type {type(size).__name__}"
            )
        if size <= 0:
            raise ValueError(
                f'Layer "{self.name}" (UpSampling1D): `size` must be a positive integer; '
                f"got {size}"
            )
        self.size = size
        self.input_spec = InputSpec(ndim=3, layout="(batch, steps, features)")

    def compute_output_shape(self, input_shape):
        batch, steps, features = input_shape
        return (batch, None if steps is None else steps * self.size, features)

    def call(self, inputs):
        return torch.repeat_interleave(inputs, self.size, dim=1)

    def get_config(self):
        return {**super().get_config(), "size": self.size}
