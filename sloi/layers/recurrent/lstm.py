"""``LSTM`` and ``LSTMCell``: long short-term memory (Hochreiter and Schmidhuber, 1997).

Each step, from the input ``x`` and the previous output ``h`` and cell state ``c``:

    i = sigmoid(x Wi + h Ui + bi)      input gate: how much of the new content to write
    f = sigmoid(x Wf + h Uf + bf)      forget gate: how much of the old cell state to keep
    g = tanh(x Wc + h Uc + bc)         the new content
    o = sigmoid(x Wo + h Uo + bo)      output gate: how much of the cell state to show
    c = f * c + i * g
    h = o * tanh(c)

Keras keeps the four gates side by side: ``kernel (features, 4*units)`` in the order i, f, c, o.
"""

from __future__ import annotations

import torch

from sloi import activations
from sloi.engine import Layer
from sloi.layers.recurrent.cell_args import assign_cell_args, serialize_cell_args
from sloi.layers.recurrent.cell_states import zero_states
from sloi.layers.recurrent.dropout_rnn_cell import DropoutRNNCell
from sloi.layers.recurrent.rnn import RNN, check_use_cudnn

_CELL_ARGS = (
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "unit_forget_bias", "kernel_regularizer",
    "recurrent_regularizer", "bias_regularizer", "kernel_constraint", "recurrent_constraint",
    "bias_constraint", "dropout", "recurrent_dropout", "seed",
)


def unit_forget_bias(base, units: int):
    """The initializer of an LSTM bias ``(4 * units,)`` with ``unit_forget_bias=True``: the
    forget gate's ``units`` start at 1, so that it starts open (Jozefowicz et al., 2015); the
    gates i, c and o take ``base``'s values. Shared by ``LSTMCell`` and the ConvLSTM cells."""
    def init(shape, dtype=None):
        return torch.cat([base((units,), dtype), torch.ones(units, dtype=dtype),
                          base((2 * units,), dtype)])
    return init


class LSTMCell(DropoutRNNCell, Layer):
    """One LSTM step. Args as ``LSTM`` (without the sequence arguments).

    Call: ``cell(x (batch, features), [h, c]) -> (h, [h, c])``.
    Weights: ``kernel (features, 4*units)``, ``recurrent_kernel (units, 4*units)``,
    ``bias (4*units,)``.
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        assign_cell_args(self, {k: v for k, v in locals().items() if k in _CELL_ARGS})
        self.state_size = [self.units, self.units]
        self.output_size = self.units

    def build(self, input_shape):
        features = input_shape[-1]
        u = self.units
        self.kernel = self.add_weight("kernel", (features, 4 * u), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (u, 4 * u), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                init = unit_forget_bias(self.bias_initializer, u)
            self.bias = self.add_weight("bias", (4 * u,), init, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs, states, training=None):
        h, c = states[0], states[1]
        if training is None:
            training = self.training
        if training and self.dropout > 0:
            inputs = inputs * self.get_dropout_mask(inputs)
        if training and self.recurrent_dropout > 0:
            h = h * self.get_recurrent_dropout_mask(h)
        _, h, c = self.gates(inputs, h, c)
        return h, [h, c]

    def gates(self, inputs, h, c):
        """One step with its gates kept (``sloi.inspect.lstm_gates`` reads them):
        ``({"input", "forget", "cell_candidate", "output"}, new h, new c)``."""
        z = inputs @ self.kernel + h @ self.recurrent_kernel
        if self.bias is not None:
            z = z + self.bias
        i, f, g, o = z.chunk(4, dim=-1)  # Keras's gate order: i, f, c, o
        i, f, o = (self.recurrent_activation(v) for v in (i, f, o))
        g = self.activation(g)
        c = f * c + i * g
        h = o * self.activation(c)
        return {"input": i, "forget": f, "cell_candidate": g, "output": o}, h, c

    def get_initial_state(self, batch_size=None):
        """Zero states ``[h, c]``, each ``(batch_size, units)``, as Keras's LSTMCell gives them."""
        return zero_states(self, batch_size, self.state_size)

    def fused_spec(self):
        """``("lstm", (kernel, recurrent_kernel, bias))`` when PyTorch's fused LSTM computes
        this cell."""
        if self.activation is not activations.tanh or (
                self.recurrent_activation is not activations.sigmoid):
            return None
        return "lstm", (self.kernel, self.recurrent_kernel, self.bias)

    def get_config(self):
        return {**super().get_config(), **serialize_cell_args(self, _CELL_ARGS)}


class LSTM(RNN):
    """Long short-term memory layer.

    Args:
        units: size of the output and of the states.
        activation: for the content and the output (``"tanh"``).
        recurrent_activation: for the gates (``"sigmoid"``).
        use_bias, kernel_initializer (``"glorot_uniform"``), recurrent_initializer
            (``"orthogonal"``), bias_initializer (``"zeros"``), unit_forget_bias (True: the
            forget gate's bias starts at 1), regularizers, constraints.
        dropout / recurrent_dropout: fractions of the inputs / of the previous output dropped
            in training, with one mask for the whole sequence.
        return_sequences, return_state, go_backwards, stateful, unroll: see ``RNN``.
        use_cudnn: ``"auto"`` (cuDNN where it can run, on CUDA), True (cuDNN, or an error
            naming what stops it: no CUDA, recurrent_dropout, unroll, other activations, a
            mask that is not right-padded) or False (never cuDNN: on CUDA PyTorch's own
            kernel or the step loop; on the CPU nothing changes, cuDNN is not used there).

    Input shape: ``(batch, timesteps, features)``. Output shape: ``(batch, units)``, or
    ``(batch, timesteps, units)`` with return_sequences; with return_state ``[output, h, c]``.

    Runs on PyTorch's fused LSTM kernel (oneDNN / cuDNN) with the default activations, no
    recurrent dropout and no mask or a right-padded one; on a step loop otherwise.

    Example:
        >>> model = Sequential()
        >>> model.add(Embedding(50, 10, input_length=1000))
        >>> model.add(LSTM(32))            # 6,004 parameters
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", unit_forget_bias=True, kernel_regularizer=None,
                 recurrent_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, recurrent_constraint=None, bias_constraint=None,
                 dropout=0.0, recurrent_dropout=0.0, seed=None, return_sequences=False,
                 return_state=False, go_backwards=False, stateful=False, unroll=False,
                 use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        cell = LSTMCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            unit_forget_bias=unit_forget_bias, kernel_regularizer=kernel_regularizer,
            recurrent_regularizer=recurrent_regularizer, bias_regularizer=bias_regularizer,
            kernel_constraint=kernel_constraint, recurrent_constraint=recurrent_constraint,
            bias_constraint=bias_constraint, dropout=dropout, recurrent_dropout=recurrent_dropout,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="lstm_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = check_use_cudnn(self, use_cudnn)

    _cell_args = _CELL_ARGS
