"""``MultiHeadAttention``: several attention heads, each over its own learned projections.

Each head projects the queries and keys to ``key_dim`` features and the values to ``value_dim``,
attends with ``softmax(q k^T / sqrt(key_dim))``, and a last projection mixes the heads back to
the query's features ("Attention is all you need", Vaswani et al., 2017).
"""

from __future__ import annotations

import torch

from sloi import constraints, initializers, regularizers
from sloi.engine import Layer, naming
from sloi.engine.keras_mask import get_keras_mask
from sloi.engine.symbolic import format_shape
from sloi.kernels.attention import (
    as_mask,
    multi_head_attention,
    multi_head_mask,
    project_in,
    project_out,
)
from sloi.layers.regularization.dropout import Dropout, check_fraction


class MultiHeadArguments:
    """Mixed into the multi-head attention layers (``MultiHeadAttention``,
    ``GroupedQueryAttention``): the checks of the arguments they share, with errors that name
    the layer."""

    def _error(self, message: str) -> ValueError:
        return ValueError(f'Layer "{self.name}" ({type(self).__name__}): {message}')

    def _positive_int(self, arg: str, value) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
            raise self._error(f"{arg} must be a positive integer; got {arg}={value!r}")
        return value

    def _checked_window(self, sliding_window, flash_attention, dropout):
        """``sliding_window`` checked; ``flash_attention=True`` refuses dropout, as in Keras."""
        if sliding_window is not None:
            sliding_window = self._positive_int("sliding_window", sliding_window)
        if flash_attention and dropout > 0:
            raise self._error("dropout is not supported with flash_attention=True; set "
                              "dropout=0.0 or leave flash_attention unset")
        return sliding_window


def attention_inputs(query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
                     attention_mask=None):
    """A multi-head attention layer's call arguments made ready: ``value`` and ``key`` as
    tensors like ``query`` (``key`` is ``value`` by default), and the four masks as boolean
    tensors on ``query``'s device, the masks carried by the tensors counting where none is
    given (eager calls). Returns ``value, key, (query_mask, value_mask, key_mask,
    attention_mask)``."""
    if query_mask is None:
        query_mask = get_keras_mask(query)
    if value_mask is None:
        value_mask = get_keras_mask(value)
    if key is not None and key_mask is None:
        key_mask = get_keras_mask(key)
    masks = tuple(
        as_mask(m, query.device) for m in (query_mask, value_mask, key_mask, attention_mask))
    value = _as_tensor_like(value, query)
    key = value if key is None else _as_tensor_like(key, query)
    return value, key, masks


def attention_call_mask(query, value, masks, use_causal_mask, sliding_window):
    """``(mask, causal_only)`` for ``multi_head_attention``: causal masking alone goes to the
    fused kernel's ``is_causal`` (``mask`` None), as in Keras; anything else is one boolean
    mask."""
    causal_only = use_causal_mask and sliding_window is None and all(m is None for m in masks)
    mask = None
    if not causal_only:
        mask = multi_head_mask(*masks, query.shape[1], value.shape[1], use_causal_mask,
                               sliding_window, query.device)
    return mask, causal_only


class MultiHeadAttention(MultiHeadArguments, Layer):
    """Multi-head attention layer.

    Args:
        num_heads: number of attention heads.
        key_dim: size of each head's queries and keys.
        value_dim: size of each head's values; ``key_dim`` by default.
        dropout: fraction of the attention weights dropped in training.
        use_bias: whether the projections add biases.
        output_shape: shape of each output step (an int or a tuple, without batch and steps);
            by default the query's last dimension.
        attention_axes: axes attended over (of the input, counting batch as 0); by default
            every axis but batch and features (the steps of ``(batch, steps, features)``).
        sliding_window: if set, query step ``i`` sees only key steps ``j`` with
            ``|i - j| < sliding_window``.
        flash_attention: accepted for Keras compatibility; the fused path is always
            ``torch.nn.functional.scaled_dot_product_attention``, which picks flash kernels
            itself. ``True`` forbids dropout and returned scores, as in Keras.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer: losses on every projection's weights.
        activity_regularizer: a loss on every projection's output (queries, keys, values,
            output), as Keras does.
        kernel_constraint / bias_constraint: projections after each update.
        use_gate: multiply each head's output by ``sigmoid(gate(query))`` before mixing the
            heads (gated attention).
        seed: an int makes the dropout masks reproducible.

    Call arguments:
        query: ``(batch, T, dim)``.
        value: ``(batch, S, value_features)``.
        key: ``(batch, S, key_features)``; ``value`` by default.
        query_mask / value_mask / key_mask: booleans ``(batch, T)`` / ``(batch, S)``; by
            default the masks the tensors carry (``Embedding(mask_zero=True)``, ``Masking``).
            (Keras 3 ignores a ``query_mask`` passed explicitly and reads only the query's own
            mask; sloi uses the one passed.)
        attention_mask: boolean ``(batch, T, S)``: which key steps each query step may see.
        return_attention_scores: also return the attention weights ``(batch, heads, T, S)``.
        training: whether to apply dropout; by default ``layer.training``.
        use_causal_mask: query step ``i`` sees only key steps ``j <= i``.

    Input shape: query ``(batch, T, dim)``, value ``(batch, S, value_features)``, key
    ``(batch, S, key_features)``; more axes (``(batch, H, W, dim)``) are attended jointly.
    Output shape: ``(batch, T, dim)`` or ``(batch, T, *output_shape)``.
    Weights (Keras's order): ``query/kernel (dim, heads, key_dim)``, ``query/bias (heads,
    key_dim)``, the same for ``key``, (``gate`` with ``use_gate``), ``value`` with
    ``value_dim``, then ``attention_output/kernel (heads, value_dim, dim)`` and
    ``attention_output/bias (dim,)``.

    Example:
        >>> x = Input(shape=(20, 16))
        >>> y = MultiHeadAttention(num_heads=4, key_dim=8)(x, x)   # (None, 20, 16)
    """

    def __init__(self, num_heads, key_dim, value_dim=None, dropout=0.0, use_bias=True,
                 output_shape=None, attention_axes=None, sliding_window=None,
                 flash_attention=None, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 use_gate=False, seed=None, **kwargs):
        # The activity loss is taken on the projections, not on the layer's outputs (Keras).
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self._num_heads = self._positive_int("num_heads", num_heads)
        self._key_dim = self._positive_int("key_dim", key_dim)
        self._value_dim = self._positive_int("value_dim", value_dim) if value_dim else key_dim
        self._dropout = check_fraction(self, "dropout", dropout)
        self._use_bias = use_bias
        self._use_gate = use_gate
        if output_shape:
            output_shape = (output_shape,) if isinstance(output_shape, int) else output_shape
            if not isinstance(output_shape, (list, tuple)) or not all(
                    isinstance(d, int) and d > 0 for d in output_shape):
                raise self._error(
                    f"output_shape must be a positive int or a tuple of them; got {output_shape!r}")
            output_shape = tuple(output_shape)
        self._output_shape = output_shape or None
        if isinstance(attention_axes, int):
            attention_axes = (attention_axes,)
        elif attention_axes is not None and not isinstance(attention_axes, (list, tuple)):
            raise self._error(
                f"attention_axes must be an int, a list or a tuple; got {attention_axes!r}")
        self._attention_axes = None if attention_axes is None else tuple(attention_axes)
        self._sliding_window = self._checked_window(sliding_window, flash_attention, dropout)
        self._flash_attention = flash_attention
        self._kernel_initializer = initializers.get(kernel_initializer)
        self._bias_initializer = initializers.get(bias_initializer)
        self._kernel_regularizer = regularizers.get(kernel_regularizer)
        self._bias_regularizer = regularizers.get(bias_regularizer)
        self._kernel_constraint = constraints.get(kernel_constraint)
        self._bias_constraint = constraints.get(bias_constraint)
        self.seed = seed
        self.supports_masking = True

    # ------------------------------------------------------------------ Keras's properties
    # ``call`` records the activity loss of every projection: Keras puts the activity
    # regularizer on its four sub-layers, not on the layer's outputs
    _activity_on_outputs = False

    num_heads = property(lambda self: self._num_heads)
    key_dim = property(lambda self: self._key_dim)
    value_dim = property(lambda self: self._value_dim)
    dropout = property(lambda self: self._dropout)
    use_bias = property(lambda self: self._use_bias)
    attention_axes = property(lambda self: self._attention_axes)
    query_dense = property(lambda self: self._query_dense)
    key_dense = property(lambda self: self._key_dense)
    value_dense = property(lambda self: self._value_dense)
    output_dense = property(lambda self: self._output_dense)

    # ------------------------------------------------------------------ building
    def build(self, query_shape, value_shape, key_shape=None):
        key_shape = value_shape if key_shape is None else key_shape
        query_shape, value_shape, key_shape = map(tuple, (query_shape, value_shape, key_shape))
        for role, shape in (("query", query_shape), ("value", value_shape), ("key", key_shape)):
            if len(shape) < 3 or shape[-1] is None:
                raise self._error(
                    f"{role} must have rank 3 or more, (batch, steps, features), with known "
                    f"features; got {role} shape {format_shape(shape)}")
        if value_shape[1:-1] != key_shape[1:-1]:
            raise self._error(
                "value and key must have the same dimensions except the last one; got value "
                f"shape {format_shape(value_shape)} and key shape {format_shape(key_shape)}")
        if len(query_shape) != len(value_shape):
            raise self._error(
                f"query and value must have the same rank; got query shape "
                f"{format_shape(query_shape)} and value shape {format_shape(value_shape)}")
        self._attention_axes = self._normalized_axes(len(query_shape), query_shape, value_shape)
        common = dict(kernel_initializer=self._kernel_initializer,
                      bias_initializer=self._bias_initializer,
                      kernel_regularizer=self._kernel_regularizer,
                      bias_regularizer=self._bias_regularizer,
                      kernel_constraint=self._kernel_constraint,
                      bias_constraint=self._bias_constraint,
                      use_bias=self._use_bias, dtype=self.dtype)
        heads = self._num_heads
        self._query_dense = _Projection((heads, self._key_dim), name="query", **common)
        self._query_dense.build(query_shape)
        self._key_dense = _Projection((heads, self._key_dim), name="key", **common)
        self._key_dense.build(key_shape)
        if self._use_gate:
            self._gate_dense = _Projection((heads, self._value_dim), activation="sigmoid",
                                           name="gate", **common)
            self._gate_dense.build(query_shape)
        self._value_dense = _Projection((heads, self._value_dim), name="value", **common)
        self._value_dense.build(value_shape)
        # Keras makes a Softmax and a Dropout sub-layer here, which take the next automatic
        # "softmax" and "dropout" names: a user's Dropout built afterwards is "dropout_1".
        naming.unique_name("softmax")
        self._dropout_layer = Dropout(self._dropout, seed=self.seed, dtype=self.dtype)
        out_dims = self._output_shape or (query_shape[-1],)
        self._output_dense = _Projection(tuple(out_dims), bound_dims=2, name="attention_output",
                                         **common)
        self._output_dense.build(query_shape[:-1] + (heads, self._value_dim))

    def _normalized_axes(self, input_rank, query_shape, value_shape):
        """Attention axes of the projected tensors ``(batch, ..., heads, channels)``."""
        rank = input_rank + 1
        if self._attention_axes is None:
            return tuple(range(1, rank - 2))
        axes = tuple(a if a >= 0 else (rank - 1) + a for a in self._attention_axes)
        if any(not 1 <= a < rank - 2 for a in axes) or len(set(axes)) != len(axes):
            raise self._error(
                f"attention_axes={self._attention_axes} must name distinct axes between the "
                f"batch and the features of inputs of shape {format_shape(query_shape)}")
        for a in range(1, rank - 2):
            q, v = query_shape[a], value_shape[a]
            if a not in axes and None not in (q, v) and q != v:
                raise self._error(
                    f"query and value must agree on axis {a}, which is not attended over "
                    f"(attention_axes={self._attention_axes}); got query shape "
                    f"{format_shape(query_shape)} and value shape {format_shape(value_shape)}")
        return axes

    # ------------------------------------------------------------------ calling
    def call(self, query, value, key=None, query_mask=None, value_mask=None, key_mask=None,
             attention_mask=None, return_attention_scores=False, training=None,
             use_causal_mask=False):
        if training is None:
            training = self.training
        value, key, masks = attention_inputs(query, value, key, query_mask, value_mask,
                                             key_mask, attention_mask)
        if self._flash_attention and return_attention_scores:
            raise self._error("return_attention_scores=True is not supported with "
                              "flash_attention=True")
        position_masks = use_causal_mask or self._sliding_window is not None
        if position_masks and query.ndim != 3:
            raise self._error(
                "use_causal_mask and sliding_window need inputs of rank 3 (batch, steps, "
                f"features); got query shape {format_shape(tuple(query.shape))}")
        mask, causal_only = attention_call_mask(query, value, masks, use_causal_mask,
                                                self._sliding_window)
        gate = self._gate_dense(query) if self._use_gate else None
        q, k, v = self._query_dense(query), self._key_dense(key), self._value_dense(value)
        dropout = None
        if self._dropout > 0:
            dropout = lambda w: self._dropout_layer(w, training=training)  # noqa: E731
        # Keras's fast path: no dropout, no returned weights, one batch and one step axis.
        fused = self._dropout == 0 and not return_attention_scores and query.ndim == 3
        output, scores = multi_head_attention(q, k, v, self._attention_axes, mask, causal_only,
                                              dropout, fused)
        if gate is not None:
            output = output * gate
        output = self._output_dense(output)
        if self.activity_regularizer is not None:
            projections = [q, k, v, output] if gate is None else [gate, q, k, v, output]
            self._record_activity_loss(projections)
        if return_attention_scores:
            return output, scores
        return output

    def compute_output_shape(self, query_shape, value_shape=None, key_shape=None):
        if value_shape is None:
            # The engine passes the first argument's shape only; without the value's, the
            # outputs (attention scores included) are found by running ``call`` on meta tensors.
            raise NotImplementedError(
                "MultiHeadAttention.compute_output_shape needs query_shape and value_shape")
        query_shape, value_shape = tuple(query_shape), tuple(value_shape)
        key_shape = value_shape if key_shape is None else tuple(key_shape)
        if value_shape[1:-1] != key_shape[1:-1]:
            raise self._error(
                "value and key must have the same dimensions except the last one; got value "
                f"shape {format_shape(value_shape)} and key shape {format_shape(key_shape)}")
        if self._output_shape:
            return query_shape[:-1] + tuple(self._output_shape)
        return query_shape

    def get_config(self):
        return {
            **super().get_config(),
            "num_heads": self._num_heads,
            "key_dim": self._key_dim,
            "value_dim": self._value_dim,
            "dropout": self._dropout,
            "use_bias": self._use_bias,
            "use_gate": self._use_gate,
            "output_shape": self._output_shape,
            "attention_axes": self._attention_axes,
            "sliding_window": self._sliding_window,
            "kernel_initializer": initializers.serialize(self._kernel_initializer),
            "bias_initializer": initializers.serialize(self._bias_initializer),
            "kernel_regularizer": regularizers.serialize(self._kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self._bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self._kernel_constraint),
            "bias_constraint": constraints.serialize(self._bias_constraint),
            "seed": self.seed,
        }


class _Projection(Layer):
    """Keras's ``EinsumDense`` as multi-head attention uses it: the last ``bound_dims`` axes of
    the input are contracted with a kernel ``(*bound, *output_dims)`` and a bias
    ``output_dims`` is added: ``(..., dim) -> (..., heads, channels)`` to split into heads,
    ``(..., heads, channels) -> (..., dim)`` to mix them back."""

    def __init__(self, output_dims, bound_dims=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, **kwargs):
        super().__init__(**kwargs)
        self.output_dims = tuple(output_dims)
        self.bound_dims = bound_dims
        self.activation = torch.sigmoid if activation == "sigmoid" else None
        self.use_bias = use_bias
        self._init = (kernel_initializer, bias_initializer)
        self._reg = (kernel_regularizer, bias_regularizer)
        self._con = (kernel_constraint, bias_constraint)

    def build(self, input_shape):
        bound = tuple(input_shape[len(input_shape) - self.bound_dims:])
        self.kernel = self.add_weight("kernel", bound + self.output_dims, self._init[0],
                                      regularizer=self._reg[0], constraint=self._con[0])
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", self.output_dims, self._init[1],
                                        regularizer=self._reg[1], constraint=self._con[1])

    def call(self, inputs):
        project = project_in if self.bound_dims == 1 else project_out
        outputs = project(inputs, self.kernel, self.bias)
        return outputs if self.activation is None else self.activation(outputs)


def _as_tensor_like(x, like):
    """``value`` / ``key`` as tensors on ``like``'s device, floats in its dtype (the engine
    converts only the first call argument)."""
    x = torch.as_tensor(x, device=like.device)
    if x.is_floating_point() and x.dtype != like.dtype:
        x = x.to(like.dtype)
    return x
