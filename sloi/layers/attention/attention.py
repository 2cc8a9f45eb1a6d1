"""``Attention``: dot-product (Luong-style) attention of a query sequence over a value sequence.

A Conv1D sees only its kernel's few steps; attention lets every query step look at every value
step at once, weighting each by how well it matches: ``softmax(query @ key^T) @ value``.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape
from sloi.kernels.attention import (
    apply_scores,
    as_mask,
    concat_scores,
    dot_scores,
    score_mask,
    zero_masked_queries,
)
from sloi.layers.regularization.dropout import check_fraction
from sloi.layers.regularization.seeded_generator import SeededGenerator

_SCORE_MODES = ("dot", "concat")


class Attention(Layer):
    """Dot-product attention layer, a.k.a. Luong-style attention.

    For each query step ``i`` and value step ``j`` a score ``s_ij`` says how well they match;
    the output at ``i`` is the average of the values weighted by ``softmax_j(s_ij)``:

    - ``score_mode="dot"``: ``s_ij = q_i . k_j`` (times ``scale`` with ``use_scale``);
    - ``score_mode="concat"``: ``s_ij = w * sum(tanh(scale * (q_i + k_j)))``.

    Args:
        use_scale: learn a scalar ``scale`` multiplying the scores (initialized to 1).
        score_mode: ``"dot"`` or ``"concat"``; ``"concat"`` learns a scalar
            ``concat_score_weight`` (initialized to 1).
        dropout: fraction of the attention weights dropped in training.
        seed: an int makes the dropout masks reproducible.

    Call arguments:
        inputs: ``[query, value]`` or ``[query, value, key]``; without ``key`` the values are
            also the keys.
        mask: ``[query_mask, value_mask]`` (booleans ``(batch, Tq)``, ``(batch, Tv)``): masked
            value steps get no weight; the outputs of masked query steps are zero. Taken from
            the inputs' masks (``Embedding(mask_zero=True)``, ``Masking``) when not given.
        training: whether to apply dropout; by default ``layer.training``.
        return_attention_scores: also return the attention weights (after masking, softmax
            and dropout), ``(batch, Tq, Tv)``.
        use_causal_mask: query step ``i`` sees only value steps ``j <= i`` (decoder
            self-attention: no information flows from the future).

    Input shape: query ``(batch, Tq, dim)``, value ``(batch, Tv, value_dim)``, key
    ``(batch, Tv, dim)``.
    Output shape: ``(batch, Tq, value_dim)`` (and the scores ``(batch, Tq, Tv)``). The output
    mask is the query mask.
    Weights: ``scale ()`` with ``use_scale``, then ``concat_score_weight ()`` with
    ``score_mode="concat"``.

    Example:
        >>> x = Input(shape=(20, 8))
        >>> c = Conv1D(16, 3, padding="same")(x)
        >>> a = Attention()([c, c])          # (None, 20, 16): self-attention over the steps
    """

    _returns_scores = False  # set for the duration of a call by __call__

    def __init__(self, use_scale=False, score_mode="dot", dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        if score_mode not in _SCORE_MODES:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): score_mode must be one of '
                f"{_SCORE_MODES}; got score_mode={score_mode!r}"
            )
        dropout = check_fraction(self, "dropout", dropout)
        self.use_scale = use_scale
        self.score_mode = score_mode
        self.dropout = dropout
        self.seed = seed
        self.supports_masking = True
        spec = InputSpec(min_ndim=3, layout="(batch, steps, features)")
        self.input_spec = [spec, spec, spec]
        self._seeds = SeededGenerator(seed)

    # ------------------------------------------------------------------ checks
    def _validate_inputs(self, inputs, mask=None):
        name = type(self).__name__
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f'Layer "{self.name}" ({name}) must be called on a list of inputs, [query, '
                f"value] or [query, value, key]; got {_describe(inputs)}"
            )
        if not 2 <= len(inputs) <= 3:
            raise ValueError(
                f'Layer "{self.name}" ({name}) expects a list of 2 or 3 inputs, [query, value] '
                f"or [query, value, key]; got {len(inputs)}: {_describe(inputs)}"
            )
        if mask is not None:
            if not isinstance(mask, (list, tuple)):
                raise ValueError(
                    f'Layer "{self.name}" ({name}): mask must be a list [query_mask, '
                    f"value_mask]; got {_describe(mask)}"
                )
            if not 2 <= len(mask) <= 3:
                raise ValueError(
                    f'Layer "{self.name}" ({name}) expects a mask list of length 2 or 3, '
                    f"[query_mask, value_mask]; got {len(mask)}"
                )

    def _check_shapes(self, shapes):
        """Query and key must share their features, key and value their steps."""
        if not isinstance(shapes, (list, tuple)) or not all(
                isinstance(s, (list, tuple)) for s in shapes):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) must be called on a list of inputs, '
                f"[query, value] or [query, value, key]; got one input of shape "
                f"{format_shape(tuple(shapes))}"
            )
        self._validate_inputs(shapes)
        q, v = tuple(shapes[0]), tuple(shapes[1])
        k = tuple(shapes[2]) if len(shapes) > 2 else v
        role = "key" if len(shapes) > 2 else "value (used as key)"
        if q[-1] is not None and k[-1] is not None and q[-1] != k[-1]:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): query and {role} must have the '
                f"same last dimension; got query shape {format_shape(q)} and {role} shape "
                f"{format_shape(k)}"
            )
        if len(shapes) > 2 and None not in (k[-2], v[-2]) and k[-2] != v[-2]:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}): key and value must have the same '
                f"number of steps; got value shape {format_shape(v)} and key shape "
                f"{format_shape(k)}"
            )
        return q, v, k

    # ------------------------------------------------------------------ building
    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.scale = None
        self.concat_score_weight = None
        if self.use_scale:
            self.scale = self.add_weight("scale", (), "ones")
        if self.score_mode == "concat":
            self.concat_score_weight = self.add_weight("concat_score_weight", (), "ones")

    # ------------------------------------------------------------------ calling
    def __call__(self, *args, **kwargs):
        # compute_output_shape sees shapes only; whether the scores are returned as well is a
        # call argument, so it is noted here for the duration of the call.
        self._returns_scores = bool(kwargs.get("return_attention_scores", False))
        try:
            return super().__call__(*args, **kwargs)
        finally:
            self._returns_scores = False

    def _calculate_scores(self, query, key):
        if self.score_mode == "dot":
            return dot_scores(query, key, self.scale)
        return concat_scores(query, key, self.concat_score_weight, self.scale)

    def _drop(self, weights):
        if self.seed is None or weights.device.type == "meta":
            return F.dropout(weights, self.dropout, training=True)
        gen = self._seeds.generator(weights.device)
        keep = torch.empty_like(weights).bernoulli_(1.0 - self.dropout, generator=gen)
        return weights * keep / (1.0 - self.dropout)

    def call(self, inputs, mask=None, training=None, return_attention_scores=False,
             use_causal_mask=False):
        self._validate_inputs(inputs, mask)
        if training is None:
            training = self.training
        query, value = inputs[0], inputs[1]
        key = inputs[2] if len(inputs) > 2 else value
        query_mask = as_mask(mask[0], query.device) if mask else None
        value_mask = as_mask(mask[1], query.device) if mask else None
        scores = self._calculate_scores(query, key)
        scores_mask = score_mask(value_mask, scores.shape[-2], scores.shape[-1],
                                 use_causal_mask, scores.device)
        dropout = self._drop if training and self.dropout > 0 else None
        output, weights = apply_scores(scores, value, scores_mask, dropout)
        output = zero_masked_queries(output, query_mask)
        if return_attention_scores:
            return output, weights
        return output

    def compute_mask(self, inputs, previous_mask=None):
        self._validate_inputs(inputs, previous_mask)
        if previous_mask is None or previous_mask[0] is None:
            return None
        return previous_mask[0]

    def compute_output_shape(self, input_shape):
        q, v, k = self._check_shapes(input_shape)
        output_shape = (*q[:-1], v[-1])
        if self._returns_scores:
            return output_shape, (*q[:-1], k[-2])
        return output_shape

    def get_config(self):
        return {
            **super().get_config(),
            "use_scale": self.use_scale,
            "score_mode": self.score_mode,
            "dropout": self.dropout,
            "seed": self.seed,
        }


def _describe(x) -> str:
    if isinstance(x, (list, tuple)) and all(d is None or isinstance(d, int) for d in x):
        return f"shape {format_shape(tuple(x))}"
    if isinstance(x, (list, tuple)):
        return "[" + ", ".join(_describe(i) for i in x) + "]"
    if hasattr(x, "shape"):
        return f"{type(x).__name__} of shape {format_shape(tuple(x.shape))}"
    return repr(x)
