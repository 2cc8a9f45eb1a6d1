"""``Dropout``: in training, zero a random fraction ``rate`` of the inputs and scale the rest."""

from __future__ import annotations

import numbers

import torch
import torch.nn.functional as F

from sloi.engine import Layer
from sloi.engine.symbolic import format_shape
from sloi.layers.regularization.seeded_generator import SeededGenerator


def check_fraction(layer, name: str, value):
    """``value`` if it is a real number in [0, 1] (a rate, a standard deviation); else an error
    naming ``layer`` and the argument. Shared by the dropout and noise layers and the
    attention layers' ``dropout``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value <= 1:
        raise ValueError(f'Layer "{layer.name}" ({type(layer).__name__}): {name} must be a '
                         f"number between 0 and 1; got {name}={value!r}")
    return value


class Dropout(Layer):
    """Inverted dropout (Srivastava et al., 2014).

    In training (``training=True``, ``model.train()`` or ``fit``) each input is set to 0 with
    probability ``rate`` and the others are scaled by ``1 / (1 - rate)``, so the expected sum is
    unchanged; in inference the layer returns its input. ``trainable`` has no effect: there are
    no weights.

    Args:
        rate: fraction of the inputs to drop, between 0 and 1 (1 drops everything, as in Keras).
        noise_shape: shape of the random keep/drop mask, broadcast over the input: e.g.
            ``(None, 1, features)`` on ``(batch, timesteps, features)`` drops the same features
            at every time step. ``None`` entries take the input's size.
        seed: an int makes the sequence of masks reproducible: two layers with the same seed
            draw the same masks, call after call. Without one, torch's global generator is used.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to drop; by default ``layer.training``.

    Input shape: any. Output shape: the input's.

    Example:
        >>> x = Input(shape=(16,))
        >>> y = Dropout(0.5)(x)   # (None, 16)
    """

    @property
    def _who(self) -> str:
        return f'Layer "{self.name}" ({type(self).__name__})'

    def __init__(self, rate, noise_shape=None, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_fraction(self, "rate", rate)
        self.seed = seed
        self.noise_shape = self._validate_noise_shape(noise_shape)
        self.supports_masking = True
        self._seeds = SeededGenerator(seed)

    def _validate_noise_shape(self, noise_shape):
        if noise_shape is None:
            return None
        if isinstance(noise_shape, str) or not hasattr(noise_shape, "__iter__"):
            raise ValueError(
                f"{self._who}: noise_shape must be a tuple of ints or None; "
                f"got noise_shape={noise_shape!r}"
            )
        noise_shape = tuple(noise_shape)
        for i, d in enumerate(noise_shape):
            if d is not None and (isinstance(d, bool) or not isinstance(d, int) or d <= 0):
                raise ValueError(
                    f"{self._who}: noise_shape entries must be positive ints "
                    f"or None; got {d!r} at index {i} of noise_shape={noise_shape}"
                )
        return noise_shape

    def _mask_shape(self, input_shape) -> tuple:
        """The noise shape with ``None`` filled from the input; it must broadcast to the input
        (each size 1 or the input's)."""
        noise = self.noise_shape
        if len(noise) != len(input_shape):
            raise ValueError(
                f"{self._who}: noise_shape {noise} has {len(noise)} axes; "
                f"the input has shape {format_shape(tuple(input_shape))}"
            )
        filled = tuple(i if n is None else n for n, i in zip(noise, input_shape, strict=True))
        for n, i in zip(filled, input_shape, strict=True):
            if n is not None and i is not None and n not in (1, i):
                raise ValueError(
                    f"{self._who}: noise_shape {noise} does not broadcast to "
                    f"the input of shape {format_shape(tuple(input_shape))} (each size must be "
                    "1, None or the input's)"
                )
        return filled

    def build(self, input_shape):
        if self.noise_shape is not None:
            self._mask_shape(input_shape)

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:
            return torch.zeros_like(inputs)
        if self.seed is None and self.noise_shape is None:
            return F.dropout(inputs, self.rate, training=True)  # torch's fused kernel
        keep = 1.0 - self.rate
        shape = tuple(inputs.shape) if self.noise_shape is None else self._mask_shape(inputs.shape)
        generator = self._seeds.generator(inputs.device)
        mask = torch.empty(shape, dtype=inputs.dtype, device=inputs.device)
        mask.bernoulli_(keep, generator=generator)
        return inputs * mask.div_(keep)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "rate": self.rate,
            "seed": self.seed,
            "noise_shape": self.noise_shape,
        }
