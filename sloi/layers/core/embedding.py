"""``Embedding``: token ids to dense vectors, a lookup in a ``(input_dim, output_dim)`` table."""

from __future__ import annotations

import torch.nn.functional as F

from sloi import constraints, initializers, regularizers
from sloi.engine import Layer
from sloi.engine.arguments import check_flags, positive_int
from sloi.layers.argument_checks import refuse_quantization


class Embedding(Layer):
    """Turns positive integer ids into dense vectors: ``[[4], [20]] -> [[0.25, 0.1], [0.6, -0.2]]``.

    Args:
        input_dim: size of the vocabulary (largest id + 1).
        output_dim: size of each vector.
        embeddings_initializer: ``"uniform"`` (between -0.05 and 0.05) by default.
        embeddings_regularizer, embeddings_constraint: optional.
        mask_zero: id 0 is padding: the layer outputs a mask that hides those steps from the
            layers after it (LSTM, GRU, pooling...). The vocabulary then needs ``input_dim``
            ids counting the 0.
        input_length: Keras 2's argument, kept for the lecture's code: on the first layer of a
            ``Sequential`` model it gives the sequence length, i.e. the input shape
            ``(input_length,)``.

    Input shape: ``(batch, ...)`` integer ids. Output shape: ``(batch, ..., output_dim)``.

    Example:
        >>> model = Sequential()
        >>> model.add(Embedding(50, 10, input_length=1000))   # output (None, 1000, 10)
    """

    keeps_integer_inputs = True  # ids stay exact integers (no float32 round trip)

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 input_length=None, lora_rank=None, lora_alpha=None, quantization_config=None,
                 **kwargs):
        if input_length is not None and "input_shape" not in kwargs and (
                "batch_input_shape" not in kwargs):
            kwargs["input_shape"] = (input_length,)
        super().__init__(**kwargs)
        refuse_quantization(self, lora_rank=lora_rank, lora_alpha=lora_alpha,
                            quantization_config=quantization_config)
        self.input_dim = positive_int(self, "input_dim", input_dim)
        self.output_dim = positive_int(self, "output_dim", output_dim)
        check_flags(self, mask_zero=mask_zero)
        self.embeddings_initializer = initializers.get(embeddings_initializer)
        self.embeddings_regularizer = regularizers.get(embeddings_regularizer)
        self.embeddings_constraint = constraints.get(embeddings_constraint)
        self.mask_zero = mask_zero
        self.supports_masking = mask_zero
        self.input_length = input_length

    def build(self, input_shape=None):
        self.embeddings = self.add_weight(
            "embeddings", (self.input_dim, self.output_dim), self.embeddings_initializer,
            regularizer=self.embeddings_regularizer, constraint=self.embeddings_constraint)

    def call(self, inputs):
        ids = inputs if not inputs.is_floating_point() else inputs.long()
        if ids.device.type == "cpu":
            try:  # the lookup checks the range itself on the CPU: no extra pass on the happy path
                return F.embedding(ids, self.embeddings)
            except IndexError:
                self._raise_out_of_range(ids)
        # On a GPU a readable check would wait for the device at every batch, and an
        # asynchronous one fails as the lookup's own does (a device-side assert, fatal to the
        # CUDA context either way) for four more kernels a call: the lookup checks alone.
        return F.embedding(ids, self.embeddings)

    def _raise_out_of_range(self, ids):
        bad = ids[(ids < 0) | (ids >= self.input_dim)]
        if bad.numel():
            raise ValueError(
                f'Layer "{self.name}" (Embedding) got token id {int(bad[0])}, outside '
                f"[0, input_dim={self.input_dim}): the vocabulary has {self.input_dim} ids "
                f"({bad.numel()} id(s) out of range in a batch of shape {tuple(ids.shape)})"
            )

    def compute_mask(self, inputs, previous_mask=None):
        return inputs != 0 if self.mask_zero else None

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.output_dim,)

    def compute_output_dtype(self, input_dtype):
        return self._dtype

    def get_config(self):
        config = {
            **super().get_config(),
            "input_dim": self.input_dim,
            "quantization_config": None,
            "output_dim": self.output_dim,
            "embeddings_initializer": initializers.serialize(self.embeddings_initializer),
            "embeddings_regularizer": regularizers.serialize(self.embeddings_regularizer),
            "embeddings_constraint": constraints.serialize(self.embeddings_constraint),
            "mask_zero": self.mask_zero,
        }
        if self.input_length is not None:
            config["input_length"] = self.input_length
        return config
