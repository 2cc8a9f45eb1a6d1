"""``GaussianNoise``: in training, add zero-centred Gaussian noise to the inputs."""

from __future__ import annotations

import torch

from sloi.engine import Layer
from sloi.layers.regularization.dropout import check_fraction
from sloi.layers.regularization.seeded_generator import SeededGenerator


class GaussianNoise(Layer):
    """Additive Gaussian noise, a regularizer against overfitting (and a way to make a model
    robust to noisy inputs): in training the output is ``inputs + N(0, stddev²)``, drawn anew
    for every element; in inference the layer returns its input.

    Args:
        stddev: standard deviation of the noise, between 0 and 1 (as Keras checks).
        seed: an int makes the noise reproducible: two layers with the same seed draw the same
            noise, call after call.

    Call arguments:
        inputs: a tensor of any rank.
        training: whether to add noise; by default ``layer.training``.

    Input shape: any. Output shape: the input's.

    Example:
        >>> x = Input(shape=(16,))
        >>> y = GaussianNoise(0.1)(x)   # (None, 16)
    """

    def __init__(self, stddev, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.stddev = check_fraction(self, "stddev", stddev)
        self.seed = seed
        self._seeds = SeededGenerator(seed)
        self.supports_masking = True

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if not training or self.stddev == 0:
            return inputs
        noise = torch.empty_like(inputs)
        noise.normal_(0.0, self.stddev, generator=self._seeds.generator(inputs.device))
        return inputs + noise

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "stddev": self.stddev, "seed": self.seed}
