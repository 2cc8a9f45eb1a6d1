"""``ReversibleEmbedding``: an embedding that also maps vectors back to logits over the
vocabulary (the tied input/output embeddings of language models)."""

from __future__ import annotations

import numbers

import torch

from sloi.engine import Layer
from sloi.engine.dtypes import standardize_dtype
from sloi.layers.core.embedding import Embedding


class ReversibleEmbedding(Embedding):
    """Token ids to vectors (``reverse=False``, as ``Embedding``), and vectors to logits over
    the vocabulary (``reverse=True``): ``logits = inputs @ embeddings^T`` with tied weights, or
    ``inputs @ reverse_embeddings`` with untied ones (Press & Wolf, 2017).

    Args:
        input_dim: size of the vocabulary.
        output_dim: size of each vector.
        tie_weights: reuse the embeddings (transposed) for the reverse projection; False adds
            a separate ``reverse_embeddings (output_dim, input_dim)`` weight.
        embeddings_initializer / embeddings_regularizer / embeddings_constraint: as
            ``Embedding`` (the reverse weight is initialized the same way).
        mask_zero: id 0 is padding (forward calls output a mask; reverse calls none).
        reverse_dtype: dtype of the reverse projection's inputs and kernel (e.g.
            ``"float32"`` under mixed precision); None: the layer's.
        logit_soft_cap: if set, logits become ``tanh(logits / cap) * cap``.

    Call arguments:
        inputs: integer ids ``(batch, ...)``, or with ``reverse=True`` vectors
            ``(batch, ..., output_dim)``.
        reverse: which direction to run.

    Input shape / Output shape: ``(batch, ...)`` -> ``(batch, ..., output_dim)``; reversed,
    ``(batch, ..., output_dim)`` -> ``(batch, ..., input_dim)``.
    Weights: ``embeddings (input_dim, output_dim)``, (``reverse_embeddings (output_dim,
    input_dim)`` with ``tie_weights=False``).

    Example:
        >>> embed = ReversibleEmbedding(1000, 64)
        >>> h = embed(ids)                # (batch, steps, 64)
        >>> logits = embed(h, reverse=True)   # (batch, steps, 1000)
    """

    def __init__(self, input_dim, output_dim, tie_weights=True, embeddings_initializer="uniform",
                 embeddings_regularizer=None, embeddings_constraint=None, mask_zero=False,
                 reverse_dtype=None, logit_soft_cap=None, **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer=embeddings_initializer,
                         embeddings_regularizer=embeddings_regularizer,
                         embeddings_constraint=embeddings_constraint, mask_zero=mask_zero,
                         **kwargs)
        if logit_soft_cap is not None and (
                isinstance(logit_soft_cap, bool) or not isinstance(logit_soft_cap, numbers.Real)
                or logit_soft_cap <= 0):
            raise ValueError(f'Layer "{self.name}" (ReversibleEmbedding): logit_soft_cap must '
                             f"be a positive number or None; got logit_soft_cap="
                             f"{logit_soft_cap!r}")
        if reverse_dtype is not None:
            try:
                standardize_dtype(reverse_dtype)
            except (TypeError, ValueError):
                raise ValueError(f'Layer "{self.name}" (ReversibleEmbedding): reverse_dtype must '
                                 f"be a dtype name or None; got reverse_dtype="
                                 f"{reverse_dtype!r}") from None
        self.tie_weights = bool(tie_weights)
        self.reverse_dtype = reverse_dtype
        self.logit_soft_cap = logit_soft_cap

    def build(self, input_shape=None):
        super().build(input_shape)
        if not self.tie_weights:
            self.reverse_embeddings = self.add_weight(
                "reverse_embeddings", (self.output_dim, self.input_dim),
                self.embeddings_initializer)

    def call(self, inputs, reverse=False):
        if not reverse:
            return super().call(inputs)
        if inputs.shape[-1] != self.output_dim:
            raise ValueError(
                f'Layer "{self.name}" (ReversibleEmbedding) with reverse=True maps vectors of '
                f"size output_dim={self.output_dim} to logits; got inputs of shape "
                f"{tuple(inputs.shape)}")
        kernel = self.embeddings.T if self.tie_weights else self.reverse_embeddings
        if self.reverse_dtype is not None:
            dtype = standardize_dtype(self.reverse_dtype)
            inputs, kernel = inputs.to(dtype), kernel.to(dtype)
        elif inputs.dtype != kernel.dtype:
            inputs = inputs.to(kernel.dtype)
        logits = torch.matmul(inputs, kernel)
        if self.logit_soft_cap is not None:
            logits = torch.tanh(logits / self.logit_soft_cap) * self.logit_soft_cap
        return logits

    def compute_mask(self, inputs, previous_mask=None):
        # ids carry the padding mask; the vectors of a reverse call are floats and give none
        if inputs.is_floating_point():
            return None
        return super().compute_mask(inputs, previous_mask)

    # The output's shape depends on ``reverse``, which the engine's shape hook does not see:
    # symbolic calls are run on the meta device instead.
    compute_output_shape = Layer.compute_output_shape
    compute_output_dtype = Layer.compute_output_dtype

    def get_config(self):
        return {
            **super().get_config(),
            "tie_weights": self.tie_weights,
            "reverse_dtype": self.reverse_dtype,
            "logit_soft_cap": self.logit_soft_cap,
        }
