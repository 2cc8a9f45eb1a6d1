"""``GroupedQueryAttention``: multi-head attention where groups of query heads share one key
and value head (Ainslie et al., 2023), as in Llama 2/3 and Mistral."""

from __future__ import annotations

from sloi import constraints, initializers, regularizers
from sloi.engine import Layer, naming
from sloi.engine.symbolic import format_shape
from sloi.kernels.attention import multi_head_attention
from sloi.layers.attention.multi_head_attention import (
    MultiHeadArguments,
    attention_call_mask,
    attention_inputs,
)
from sloi.layers.core.einsum_dense import EinsumDense
from sloi.layers.regularization.dropout import Dropout, check_fraction


def _copy(initializer):
    """A fresh initializer of the same config for each projection, as Keras makes them (with
    a seed, every projection then draws the same values, in Keras too)."""
    return type(initializer).from_config(initializer.get_config())


class GroupedQueryAttention(MultiHeadArguments, Layer):
    """Grouped-query attention. The query is projected to ``num_query_heads`` heads, the key and
    value to ``num_key_value_heads`` heads each, every key/value head serving
    ``num_query_heads // num_key_value_heads`` consecutive query heads; each head attends with
    ``softmax(q k^T / sqrt(head_dim))`` and a last projection mixes the heads back to the
    query's features. ``num_key_value_heads == num_query_heads`` is multi-head attention,
    ``num_key_value_heads == 1`` multi-query attention.

    Args:
        head_dim: size of each head.
        num_query_heads: number of query heads.
        num_key_value_heads: number of key and value heads; divides ``num_query_heads``.
        dropout: fraction of the attention weights dropped in training.
        use_bias: whether the projections add biases.
        sliding_window: if set, query step ``i`` sees only key steps ``j`` with
            ``|i - j| < sliding_window``.
        flash_attention: accepted for Keras compatibility; the fused path is
            ``torch.nn.functional.scaled_dot_product_attention``, which picks flash kernels
            itself. ``True`` forbids dropout and returned scores, as in Keras.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer / kernel_constraint / bias_constraint: on every
            projection's weights.
        activity_regularizer: a loss on every projection's output and the layer's output, as
            Keras does.
        use_gate: multiply each head's output by ``sigmoid(gate(query))`` before mixing.
        seed: an int makes the dropout masks reproducible.

    Call arguments:
        query: ``(batch, T, dim)``.
        value: ``(batch, S, dim)``.
        key: ``(batch, S, dim)``; ``value`` by default.
        query_mask / value_mask / key_mask: booleans ``(batch, T)`` / ``(batch, S)``; by
            default the masks the tensors carry.
        attention_mask: boolean ``(batch, T, S)``: which key steps each query step may see.
        return_attention_scores: also return the weights ``(batch, num_query_heads, T, S)``.
        training: whether to apply dropout; by default ``layer.training``.
        use_causal_mask: query step ``i`` sees only key steps ``j <= i``.

    Input shape: query ``(batch, T, dim)``, value and key ``(batch, S, dim)``.
    Output shape: ``(batch, T, dim)``.
    Weights (Keras's order): ``query/kernel (dim, num_query_heads, head_dim)``, ``query/bias
    (num_query_heads, head_dim)``, ``key/kernel (dim, num_key_value_heads, head_dim)``,
    ``key/bias``, (``gate`` as ``query``), ``value`` as ``key``, then
    ``attention_output/kernel (num_query_heads, head_dim, dim)`` and ``attention_output/bias
    (dim,)``.

    Example:
        >>> x = Input(shape=(20, 64))
        >>> y = GroupedQueryAttention(16, num_query_heads=8, num_key_value_heads=2)(x, x)
    """

    def __init__(self, head_dim, num_query_heads, num_key_value_heads, dropout=0.0,
                 use_bias=True, sliding_window=None, flash_attention=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, use_gate=False, seed=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.head_dim = self._positive_int("head_dim", head_dim)
        self.num_query_heads = self._positive_int("num_query_heads", num_query_heads)
        self.num_key_value_heads = self._positive_int("num_key_value_heads",
                                                      num_key_value_heads)
        if num_query_heads % num_key_value_heads:
            raise self._error(f"num_query_heads={num_query_heads} must be divisible by "
                              f"num_key_value_heads={num_key_value_heads}")
        self.num_repeats = num_query_heads // num_key_value_heads
        self.dropout = check_fraction(self, "dropout", dropout)
        self.sliding_window = self._checked_window(sliding_window, flash_attention, dropout)
        self._flash_attention = flash_attention
        self.use_bias = use_bias
        self.use_gate = use_gate
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self.supports_masking = True

    # ------------------------------------------------------------------ building
    def _projection(self, equation, output_shape, bias_axes, name, activation=None):
        return EinsumDense(
            equation, output_shape=output_shape, bias_axes=bias_axes if self.use_bias else None,
            activation=activation, name=name, kernel_initializer=_copy(self.kernel_initializer),
            bias_initializer=_copy(self.bias_initializer),
            kernel_regularizer=self.kernel_regularizer, bias_regularizer=self.bias_regularizer,
            activity_regularizer=self.activity_regularizer,
            kernel_constraint=self.kernel_constraint, bias_constraint=self.bias_constraint,
            dtype=self.dtype)

    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = map(tuple, (query_shape, value_shape, key_shape))
        for role, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) != 3 or shape[-1] is None:
                raise self._error(f"{role} must have rank 3, (batch, steps, features), with "
                                  f"known features; got {role} shape {format_shape(shape)}")
        self._check_shapes(query_shape, value_shape, key_shape)
        self.feature_dim = query_shape[-1]
        heads, kv_heads, dim = self.num_query_heads, self.num_key_value_heads, self.head_dim
        self._query_dense = self._projection("bqm,muh->bquh", (None, heads, dim), "uh", "query")
        self._query_dense.build(query_shape)
        self._key_dense = self._projection("bkm,mvh->bkvh", (None, kv_heads, dim), "vh", "key")
        self._key_dense.build(key_shape)
        if self.use_gate:
            self._gate_dense = self._projection("bqm,muh->bquh", (None, heads, dim), "uh",
                                                "gate", activation="sigmoid")
            self._gate_dense.build(query_shape)
        self._value_dense = self._projection("bkm,mvh->bkvh", (None, kv_heads, dim), "vh",
                                             "value")
        self._value_dense.build(value_shape)
        # Keras makes a Softmax and a Dropout sub-layer here, which take the next automatic
        # "softmax" and "dropout" names: sloi reserves the same names.
        naming.unique_name("softmax")
        self._dropout_layer = Dropout(self.dropout, seed=self.seed, dtype=self.dtype)
        self._output_dense = self._projection("bquh,uhm->bqm", (None, self.feature_dim), "m",
                                              "attention_output")
        self._output_dense.build((None, None, heads, dim))

    def _check_shapes(self, query_shape, value_shape, key_shape):
        if query_shape[-1] != value_shape[-1]:
            raise self._error(
                "query and value must have the same last dimension; got query shape "
                f"{format_shape(tuple(query_shape))} and value shape "
                f"{format_shape(tuple(value_shape))}")
        if tuple(value_shape[1:-1]) != tuple(key_shape[1:-1]):
            raise self._error(
                "value and key must have the same dimensions except the last one; got value "
                f"shape {format_shape(tuple(value_shape))} and key shape "
                f"{format_shape(tuple(key_shape))}")

    # ------------------------------------------------------------------ calling
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if training is None:
            training = self.training
        value, key, masks = attention_inputs(query, value, key, query_mask, value_mask,
                                             key_mask, attention_mask)
        self._check_shapes(query.shape, value.shape, key.shape)
        if self._flash_attention and return_attention_scores:
            raise self._error("return_attention_scores=True is not supported with "
                              "flash_attention=True")
        mask, causal_only = attention_call_mask(query, value, masks, use_causal_mask,
                                                self.sliding_window)
        gate = self._gate_dense(query) if self.use_gate else None
        q = self._query_dense(query)
        # each key/value head serves num_repeats consecutive query heads
        k = self._key_dense(key).repeat_interleave(self.num_repeats, dim=2)
        v = self._value_dense(value).repeat_interleave(self.num_repeats, dim=2)
        dropout = None
        if self.dropout > 0:
            dropout = lambda w: self._dropout_layer(w, training=training)  # noqa: E731
        # Keras's fast path: no dropout, no returned weights.
        fused = self.dropout == 0 and not return_attention_scores
        output, scores = multi_head_attention(q, k, v, (1,), mask, causal_only, dropout, fused)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            # The engine passes the first argument's shape only; without the value's, the
            # outputs (attention scores included) are found by running ``call`` on meta tensors.
            raise NotImplementedError(
                "GroupedQueryAttention.compute_output_shape needs query_shape and value_shape")
        self._check_shapes(query_shape, value_shape,
                           value_shape if key_shape is None else key_shape)
        return tuple(query_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "head_dim": self.head_dim,
            "num_query_heads": self.num_query_heads,
            "num_key_value_heads": self.num_key_value_heads,
            "use_bias": self.use_bias,
            "use_gate": self.use_gate,
            "sliding_window": self.sliding_window,
            "dropout": self.dropout,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "seed": self.seed,
        }

