"""``GRU`` and ``GRUCell``: the gated recurrent unit (Cho et al., 2014), a lighter LSTM.

Each step, from the input ``x`` and the previous output ``h``:

    z = sigmoid(x Wz + h Uz + bz)            update gate: how much of the old h to keep
    r = sigmoid(x Wr + h Ur + br)            reset gate: how much of the old h the candidate sees
    n = tanh(x Wh + r * (h Uh + bh'))        candidate (reset_after=True, Keras 3's default)
    n = tanh(x Wh + (r * h) Uh + bh)         candidate (reset_after=False, Keras 2's default)
    h = z * h + (1 - z) * n

Keras keeps the gates side by side in the order z, r, h; with ``reset_after=True`` the bias has
shape ``(2, 3*units)``: one row added to the input side, one to the recurrent side.
"""

from __future__ import annotations

from sloi import activations
from sloi.engine import Layer
from sloi.layers.recurrent.cell_args import assign_cell_args, serialize_cell_args
from sloi.layers.recurrent.cell_states import zero_states
from sloi.layers.recurrent.dropout_rnn_cell import DropoutRNNCell
from sloi.layers.recurrent.rnn import RNN, check_use_cudnn

_CELL_ARGS = (
    "units", "activation", "recurrent_activation", "use_bias", "kernel_initializer",
    "recurrent_initializer", "bias_initializer", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
    "dropout", "recurrent_dropout", "reset_after", "seed",
)


class GRUCell(DropoutRNNCell, Layer):
    """One GRU step. Args as ``GRU`` (without the sequence arguments).

    Call: ``cell(x (batch, features), [h]) -> (h, [h])``.
    Weights: ``kernel (features, 3*units)``, ``recurrent_kernel (units, 3*units)``,
    ``bias (2, 3*units)`` (or ``(3*units,)`` with reset_after=False).
    """

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, reset_after=True,
                 seed=None, **kwargs):
        kwargs.pop("implementation", None)
        super().__init__(**kwargs)
        assign_cell_args(self, {k: v for k, v in locals().items() if k in _CELL_ARGS})
        self.state_size = self.units
        self.output_size = self.units

    def build(self, input_shape):
        features, u = input_shape[-1], self.units
        self.kernel = self.add_weight("kernel", (features, 3 * u), self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", (u, 3 * u), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            shape = (2, 3 * u) if self.reset_after else (3 * u,)
            self.bias = self.add_weight("bias", shape, self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs, states, training=None):
        h = states[0] if isinstance(states, (list, tuple)) else states
        if training is None:
            training = self.training
        if training and self.dropout > 0:
            inputs = inputs * self.get_dropout_mask(inputs)
        h_in = h
        if training and self.recurrent_dropout > 0:
            h_in = h * self.get_recurrent_dropout_mask(h)
        _, h = self.gates(inputs, h, h_in)
        return h, [h]

    def gates(self, inputs, h, h_in=None):
        """One step with its gates kept (``sloi.inspect.gru_gates`` reads them):
        ``({"update", "reset", "candidate"}, new h)``. ``h_in`` is the state the recurrent
        products see (``h`` after recurrent dropout); ``h`` by default."""
        h_in = h if h_in is None else h_in
        u = self.units
        x = inputs @ self.kernel
        if self.bias is not None:
            x = x + (self.bias[0] if self.reset_after else self.bias)
        x_z, x_r, x_h = x.split(u, dim=-1)  # Keras's gate order: z, r, h
        if self.reset_after:  # r scales the recurrent product (bias included)
            rec = h_in @ self.recurrent_kernel
            if self.bias is not None:
                rec = rec + self.bias[1]
            rec_z, rec_r, rec_h = rec.split(u, dim=-1)
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            n = self.activation(x_h + r * rec_h)
        else:  # r scales the state before the product
            rec_z, rec_r = (h_in @ self.recurrent_kernel[:, : 2 * u]).split(u, dim=-1)
            z = self.recurrent_activation(x_z + rec_z)
            r = self.recurrent_activation(x_r + rec_r)
            n = self.activation(x_h + (r * h_in) @ self.recurrent_kernel[:, 2 * u:])
        h = z * h + (1 - z) * n
        return {"update": z, "reset": r, "candidate": n}, h

    def get_initial_state(self, batch_size=None):
        """Zero states ``[h]`` (a list), ``(batch_size, units)``, as Keras's cell gives them."""
        return zero_states(self, batch_size, [self.units])

    def fused_spec(self):
        """``("gru", (kernel, recurrent_kernel, bias))`` when PyTorch's fused GRU computes it:
        default activations and reset_after=True (torch's formula)."""
        if not self.reset_after or self.activation is not activations.tanh or (
                self.recurrent_activation is not activations.sigmoid):
            return None
        return "gru", (self.kernel, self.recurrent_kernel, self.bias)

    def fused_backward_spec(self):
        """``("gru" | "gru_reset_before", (kernel, recurrent_kernel, bias))`` with the default
        activations: the hand-written backward of ``sloi.kernels.rnn_backward`` computes it."""
        if self.activation is not activations.tanh or (
                self.recurrent_activation is not activations.sigmoid):
            return None
        mode = "gru" if self.reset_after else "gru_reset_before"
        return mode, (self.kernel, self.recurrent_kernel, self.bias)

    def get_config(self):
        return {**super().get_config(), **serialize_cell_args(self, _CELL_ARGS)}


class GRU(RNN):
    """Gated recurrent unit layer.

    Args: as ``LSTM`` (``use_cudnn`` too; without unit_forget_bias), plus ``reset_after``
    (True: the reset gate applies after the recurrent matrix product, Keras 3's and cuDNN's
    form; False: before it, Keras 2's default form, which cuDNN cannot run).

    Input shape: ``(batch, timesteps, features)``. Output shape: ``(batch, units)``, or
    ``(batch, timesteps, units)`` with return_sequences; with return_state ``[output, h]``.

    Runs on PyTorch's fused GRU kernel with the default activations, reset_after=True, no
    recurrent dropout and no mask or a right-padded one; on a step loop otherwise.

    Example:
        >>> model = Sequential()
        >>> model.add(Embedding(50, 10, input_length=1000))
        >>> model.add(GRU(16, return_sequences=True))     # 1,344 parameters in the GRU
    """

    _cell_args = _CELL_ARGS

    def __init__(self, units, activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                 kernel_initializer="glorot_uniform", recurrent_initializer="orthogonal",
                 bias_initializer="zeros", kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, unroll=False, reset_after=True,
                 use_cudnn="auto", **kwargs):
        kwargs.pop("implementation", None)
        cell = GRUCell(
            units, activation=activation, recurrent_activation=recurrent_activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            recurrent_initializer=recurrent_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, reset_after=reset_after,
            seed=seed, dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="gru_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful, unroll=unroll,
                         activity_regularizer=activity_regularizer, **kwargs)
        self.use_cudnn = check_use_cudnn(self, use_cudnn)
