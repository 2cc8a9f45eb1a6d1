"""``SimpleRNN`` and ``SimpleRNNCell``: the plain recurrent network of the lecture's first picture.

Each step mixes the input with the previous output: ``h = tanh(x W + h U + b)``. Its memory fades
quickly over long sequences (the vanishing gradient), which is what LSTM and GRU were built for.
"""

from __future__ import annotations

from sloi import activations
from sloi.engine import Layer
from sloi.layers.recurrent.cell_args import assign_cell_args, serialize_cell_args
from sloi.layers.recurrent.cell_states import zero_states
from sloi.layers.recurrent.dropout_rnn_cell import DropoutRNNCell
from sloi.layers.recurrent.rnn import RNN

_CELL_ARGS = (
    "units", "activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "kernel_regularizer", "recurrent_regularizer", "bias_regularizer",
    "kernel_constraint", "recurrent_constraint", "bias_constraint", "dropout",
    "recurrent_dropout", "seed",
)


class SimpleRNNCell(DropoutRNNCell, Layer):
    """One SimpleRNN step. Call: ``cell(x (batch, features), [h]) -> (h, [h])``.
    Weights: ``kernel (features, units)``, ``recurrent_kernel (units, units)``,
    ``bias (units,)``."""

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        assign_cell_args(self, {k: v for k, v in locals().items() if k in _CELL_ARGS})
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        features, u = input_shape[-1], self.units
        self.kernel = self.add_weight("kernel", (features, u), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (u, u), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (u,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        if training is None:
            training = self.training
        if training and self.dropout > 0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and self.recurrent_dropout > 0:
            h = h * self.get_recurrent_dropout_mask(h)
        z = inputs @ self.kernel + h @ self.recurrent_kernel
        if self.bias is not None:
            z = z + self.bias
        h = self.activation(z)
        return h, [h]

    def get_initial_state(self, batch_size=None):
        """Zero states ``[h]`` (a list), ``(batch_size, units)``, as Keras's cell gives them."""
        return zero_states(self, batch_size, [self.units])

    def fused_spec(self):
        """``("rnn_tanh" | "rnn_relu", (kernel, recurrent_kernel, bias))`` for tanh and plain
        relu."""
        if self.activation is activations.tanh:
            mode = "rnn_tanh"
        elif self.activation is activations.relu:
            mode = "rnn_relu"
        else:
            return None
        return mode, (self.kernel, self.recurrent_kernel, self.bias)

    # tanh and relu: the hand-written backward of sloi.kernels.rnn_backward computes them too
    fused_backward_spec = fused_spec

    def get_config(self):
        return {**super().get_config(), **serialize_cell_args(self, _CELL_ARGS)}


class SimpleRNN(RNN):
    """Fully connected recurrent layer: ``h_t = activation(x_t W + h_{t-1} U + b)``.

    Args: units, activation (``"tanh"``), use_bias, initializers (kernel
    ``"glorot_uniform"``, recurrent ``"orthogonal"``, bias ``"zeros"``), regularizers,
    constraints, dropout, recurrent_dropout, and the sequence arguments of ``RNN``.

    Input shape: ``(batch, timesteps, features)``. Output shape: ``(batch, units)``, or
    ``(batch, timesteps, units)`` with return_sequences; with return_state ``[output, h]``.
    """

    _cell_args = _CELL_ARGS

    def __init__(self, units, activation="tanh", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, seed=None, **kwargs):
        cell = SimpleRNNCell(
            units, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="simple_rnn_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
