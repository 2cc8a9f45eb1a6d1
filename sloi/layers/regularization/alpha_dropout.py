"""``AlphaDropout``: dropout that keeps the mean and variance of self-normalizing (SELU)
activations."""

from __future__ import annotations

import torch

from sloi.layers.regularization.dropout import Dropout

# SELU's constants (Klambauer et al., 2017): dropped units are set to SELU's lower bound.
_ALPHA = 1.6732632423543772848170429916717
_SCALE = 1.0507009873554804934193349852946


class AlphaDropout(Dropout):
    """Alpha dropout (Klambauer et al., 2017). Plain dropout sets units to 0, which shifts the
    mean and variance that SELU networks rely on; alpha dropout sets them to
    ``alpha' = -scale * alpha`` (SELU's limit for large negative inputs) and then applies the
    affine map ``a * x + b`` that restores zero mean and unit variance:

    ``a = ((1 - rate) * (1 + rate * alpha'^2)) ** -0.5``, ``b = -a * alpha' * rate``.

    In inference the layer returns its input.

    Args:
        rate: fraction of the inputs to drop, between 0 and 1.
        noise_shape: shape of the random keep/drop mask, broadcast over the input (``None``
            entries take the input's size), as in ``Dropout``.
        seed: an int makes the masks reproducible (same seed, same masks).

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to drop; by default ``layer.training``.

    Input shape: any. Output shape: the input's.

    Example:
        >>> x = Input(shape=(16,))
        >>> y = AlphaDropout(0.1)(Dense(16, activation="selu")(x))
    """

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or self.rate == 0:
            return inputs
        if self.rate == 1:  # a = 0 ** -0.5: no affine map restores the variance of nothing
            raise ValueError(f'Layer "{self.name}" (AlphaDropout): rate=1 drops every unit, '
                             "which alpha dropout cannot rescale; use a rate below 1")
        shape = tuple(inputs.shape) if self.noise_shape is None else self._mask_shape(inputs.shape)
        generator = self._seeds.generator(inputs.device)
        # Keras keeps a unit when uniform >= rate: the same draw, the same keep probability
        uniform = torch.empty(shape, dtype=inputs.dtype, device=inputs.device)
        kept = (uniform.uniform_(generator=generator) >= self.rate).to(inputs.dtype)
        alpha_p = -_ALPHA * _SCALE
        a = ((1 - self.rate) * (1 + self.rate * alpha_p**2)) ** -0.5
        b = -a * alpha_p * self.rate
        return a * (inputs * kept + alpha_p * (1 - kept)) + b
