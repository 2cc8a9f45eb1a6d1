"""``AdditiveAttention``: Bahdanau-style attention, scores from ``tanh(query + key)``."""

from __future__ import annotations

from sloi.kernels.attention import additive_scores
from sloi.layers.attention.attention import Attention


class AdditiveAttention(Attention):
    """Additive attention layer, a.k.a. Bahdanau-style attention.

    The score of query step ``i`` and key step ``j`` is ``sum_d scale_d * tanh(q_id + k_jd)``;
    as in ``Attention``, the output at ``i`` is the average of the values weighted by
    ``softmax_j`` of the scores.

    Args:
        use_scale: learn a vector ``scale`` of shape ``(dim,)`` weighting the features
            (glorot-uniform initialized); without it every feature counts 1.
        dropout: fraction of the attention weights dropped in training.
        seed: an int makes the dropout masks reproducible.

    Call arguments: as ``Attention``: ``inputs=[query, value]`` or ``[query, value, key]``,
    ``mask=[query_mask, value_mask]``, ``training``, ``return_attention_scores``,
    ``use_causal_mask``.

    Input shape: query ``(batch, Tq, dim)``, value ``(batch, Tv, value_dim)``, key
    ``(batch, Tv, dim)``.
    Output shape: ``(batch, Tq, value_dim)`` (and the scores ``(batch, Tq, Tv)``).
    Weights: ``scale (dim,)`` with ``use_scale``.

    Example:
        >>> q, v = Input(shape=(7, 16)), Input(shape=(20, 16))
        >>> y = AdditiveAttention()([q, v])    # (None, 7, 16); 16 parameters
    """

    def __init__(self, use_scale=True, dropout=0.0, **kwargs):
        super().__init__(use_scale=use_scale, dropout=dropout, **kwargs)

    def build(self, input_shape):
        self._check_shapes(input_shape)
        self.scale = None
        if self.use_scale:
            self.scale = self.add_weight("scale", (input_shape[0][-1],), "glorot_uniform")

    def _calculate_scores(self, query, key):
        return additive_scores(query, key, self.scale)

    def get_config(self):
        config = super().get_config()
        del config["score_mode"]
        return config
