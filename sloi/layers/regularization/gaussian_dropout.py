"""``GaussianDropout``: in training, multiply the inputs by Gaussian noise centred on 1."""

from __future__ import annotations

import math

import torch

from sloi.engine import Layer
from sloi.layers.regularization.dropout import check_fraction
from sloi.layers.regularization.seeded_generator import SeededGenerator


class GaussianDropout(Layer):
    """Multiplicative Gaussian noise (Srivastava et al., 2014, section 10): in training the
    output is ``inputs * N(1, rate / (1 - rate))``, the noise of the same variance as dropout at
    ``rate`` but continuous; in inference the layer returns its input.

    Args:
        rate: the dropout rate whose variance the noise has, between 0 and 1.
        seed: an int makes the noise reproducible (same seed, same noise).

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to apply the noise; by default ``layer.training``.

    Input shape: any. Output shape: the input's.

    Example:
        >>> x = Input(shape=(16,))
        >>> y = GaussianDropout(0.2)(x)   # (None, 16)
    """

    def __init__(self, rate, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rate = check_fraction(self, "rate", rate)
        self.seed = seed
        self._seeds = SeededGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or self.rate == 0:
            return inputs
        stddev = math.sqrt(self.rate / (1.0 - self.rate)) if self.rate < 1 else math.inf
        noise = torch.empty_like(inputs)
        noise.normal_(1.0, stddev, generator=self._seeds.generator(inputs.device))
        return inputs * noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "rate": self.rate, "seed": self.seed}
