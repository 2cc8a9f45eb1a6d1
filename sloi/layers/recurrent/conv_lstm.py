"""``ConvLSTMCell`` and ``ConvLSTM``: an LSTM whose products are convolutions (Shi et al.,
2015), for sequences of signals, images or volumes (``ConvLSTM1D``, ``ConvLSTM2D`` and
``ConvLSTM3D`` fix the number of spatial axes, ``rank``), such as the frames of a video.

One frame cannot tell which way a ball flies; a few frames can. A ConvLSTM keeps, at every pixel,
an LSTM state that sees its neighbourhood in the current frame and in its own previous state:

    z = conv(x, kernel) + bias + conv(h, recurrent_kernel)   the four gates side by side
    i, f, g, o = split(z)                                     Keras's gate order: i, f, c, o
    c = sigmoid(f) * c + sigmoid(i) * tanh(g)
    h = sigmoid(o) * tanh(c)

``x`` is one frame ``(batch, *spatial, channels)``, ``(batch, rows, cols, channels)`` for
images; ``h`` and ``c`` are frames ``(batch, *spatial', filters)``. The input convolution uses
the layer's strides, padding and dilation; the recurrent one is always stride 1 with "same"
padding, so the state keeps its size.

Speed: the input convolution does not depend on the state, so the layer convolves all frames of
all sequences in one kernel call before the loop over time, which is left with the recurrent
convolution and the gates only.
"""

from __future__ import annotations

import functools

import torch

from sloi import activations, constraints, initializers, regularizers
from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape
from sloi.kernels import rnn as rnn_ops
from sloi.kernels.conv import (
    conv,
    conv_sequence,
    describe_layout,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    output_length,
)
from sloi.layers.argument_checks import ArgumentChecks
from sloi.layers.recurrent.cell_args import serialize_cell_args
from sloi.layers.recurrent.dropout_rnn_cell import DropoutRNNCell, check_rate
from sloi.layers.recurrent.lstm import unit_forget_bias
from sloi.layers.recurrent.rnn import RNN

_CELL_ARGS = (
    "filters", "kernel_size", "strides", "padding", "data_format", "dilation_rate", "activation",
    "recurrent_activation", "use_bias", "kernel_initializer", "recurrent_initializer",
    "bias_initializer", "unit_forget_bias", "kernel_regularizer", "recurrent_regularizer",
    "bias_regularizer", "kernel_constraint", "recurrent_constraint", "bias_constraint",
    "dropout", "recurrent_dropout", "seed",
)


class ConvLSTMCell(ArgumentChecks, DropoutRNNCell, Layer):
    """One ConvLSTM step over one frame with ``rank`` spatial axes. Args as ``ConvLSTM``
    (without the sequence ones); ``ConvLSTM1DCell`` / ``ConvLSTM2DCell`` / ``ConvLSTM3DCell``
    fix ``rank``.

    Call: ``cell(x (batch, *spatial, channels), [h, c]) -> (h, [h, c])`` with ``h`` and ``c``
    of shape ``(batch, *spatial', filters)`` (channels first with
    ``data_format="channels_first"``).
    Weights: ``kernel (*kernel_size, channels, 4*filters)``, ``recurrent_kernel (*kernel_size,
    filters, 4*filters)``, ``bias (4*filters,)``; gates i, f, c, o along the last axis.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, kernel_constraint=None, recurrent_constraint=None,
                 bias_constraint=None, dropout=0.0, recurrent_dropout=0.0, seed=None, **kwargs):
        super().__init__(**kwargs)
        self.rank = rank
        if isinstance(filters, bool) or not hasattr(filters, "__index__") or int(filters) <= 0:
            raise self._error(f"`filters` must be a positive integer; got {filters!r}")
        self.filters = int(filters)
        self.kernel_size = self._checked(normalize_tuple, kernel_size, rank, "kernel_size")
        self.strides = self._checked(normalize_tuple, strides, rank, "strides")
        self.padding = self._checked(normalize_padding, padding)
        self.data_format = self._checked(normalize_data_format, data_format)
        self.dilation_rate = self._checked(normalize_tuple, dilation_rate, rank,
                                          "dilation_rate")
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise self._error(f"strides {self.strides} above 1 cannot be combined with "
                              f"dilation_rate {self.dilation_rate} above 1")
        self.activation = activations.get(activation)
        self.recurrent_activation = activations.get(recurrent_activation)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.recurrent_initializer = initializers.get(recurrent_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.unit_forget_bias = unit_forget_bias
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.recurrent_regularizer = regularizers.get(recurrent_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.recurrent_constraint = constraints.get(recurrent_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.dropout = check_rate(self, "dropout", dropout)
        self.recurrent_dropout = check_rate(self, "recurrent_dropout", recurrent_dropout)
        self.seed = seed
        # channels of h and c; their spatial sizes follow the input (see ``state_shape``)
        self.state_size = [self.filters, self.filters]
        self.output_size = self.filters
        # counted from the end, the channel axis is the same for one frame and for a sequence
        self._channel_axis = -1 if self.data_format == "channels_last" else -(rank + 1)
        self.input_spec = InputSpec(ndim=rank + 2, layout=describe_layout(rank, self.data_format))

    # ------------------------------------------------------------------ shapes and weights
    def state_shape(self, frame_shape) -> tuple:
        """Shape of ``h`` (and ``c``) for frames of ``frame_shape`` ``(batch, *spatial,
        channels)`` (or channels first)."""
        frame_shape = tuple(frame_shape)
        first = 1 if self.data_format == "channels_last" else 2
        spatial = frame_shape[first:first + self.rank]
        out = tuple(output_length(size, k, s, d, self.padding) for size, k, s, d in zip(
            spatial, self.kernel_size, self.strides, self.dilation_rate, strict=True))
        if any(size is not None and size <= 0 for size in out):
            raise self._error(
                f"kernel_size {self.kernel_size} (dilation_rate {self.dilation_rate}) is larger "
                f'than the frames {spatial} with padding="valid"; got frames of shape '
                f"{format_shape(frame_shape)}"
            )
        if self.data_format == "channels_last":
            return (frame_shape[0],) + out + (self.filters,)
        return (frame_shape[0], self.filters) + out

    def compute_output_shape(self, input_shape):
        return self.state_shape(input_shape)

    def build(self, input_shape):
        channels = input_shape[self._channel_axis]
        if channels is None:
            raise self._error(f"the channels axis of the input must be known; got shape "
                              f"{format_shape(input_shape)}")
        f = self.filters
        self.kernel = self.add_weight(
            "kernel", self.kernel_size + (channels, 4 * f), self.kernel_initializer,
            regularizer=self.kernel_regularizer, constraint=self.kernel_constraint)
        self.recurrent_kernel = self.add_weight(
            "recurrent_kernel", self.kernel_size + (f, 4 * f), self.recurrent_initializer,
            regularizer=self.recurrent_regularizer, constraint=self.recurrent_constraint)
        self.bias = None
        if self.use_bias:
            init = self.bias_initializer
            if self.unit_forget_bias:
                init = unit_forget_bias(self.bias_initializer, f)
            self.bias = self.add_weight("bias", (4 * f,), init, regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    # ------------------------------------------------------------------ the two halves of a step
    def per_gate(self, x: torch.Tensor) -> torch.Tensor:
        """Four copies of ``x`` side by side on the channel axis, one a gate. Keras drops each
        gate's inputs with its own dropout mask; on the copies one mask of the copies' shape
        does that, and a convolution in 4 groups (what ``conv`` runs when the kernel has a
        quarter of the channels) takes copy k to gate k's filters only."""
        return torch.cat([x] * 4, dim=self._channel_axis)

    def input_convolution(self, x: torch.Tensor, dropout_mask=None) -> torch.Tensor:
        """The input's part of the four gates, bias included: ``(batch, *spatial',
        4*filters)`` for one frame, ``(batch, steps, *spatial', 4*filters)`` for a whole
        sequence (convolved in one call). ``dropout_mask`` has the shape of one frame's
        ``per_gate`` copies."""
        sequence = x.dim() == self.rank + 3
        if dropout_mask is not None:
            x = self.per_gate(x) * (dropout_mask.unsqueeze(1) if sequence else dropout_mask)
        run = conv_sequence if sequence else conv
        return run(x, self.kernel, self.bias, self.strides, self.padding, self.dilation_rate,
                   self.data_format)

    def recurrent_step(self, x_part: torch.Tensor, states, training=False):
        """The rest of a step, from the input's part ``x_part`` of the gates."""
        h, c = states[0], states[1]
        if training and self.recurrent_dropout > 0:
            h = self.per_gate(h)
            h = h * self.get_recurrent_dropout_mask(h)
        # the state keeps its size: stride 1, "same" padding, no dilation (as in Keras)
        z = x_part + conv(h, self.recurrent_kernel, None, 1, "same", 1, self.data_format)
        i, f, g, o = z.chunk(4, dim=self._channel_axis)
        i, f, o = (self.recurrent_activation(v) for v in (i, f, o))
        c = f * c + i * self.activation(g)
        h = o * self.activation(c)
        return h, [h, c]

    def call(self, inputs, states, training=None):
        if training is None:
            training = self.training
        dropout_mask = None
        if training and self.dropout > 0:
            dropout_mask = self.get_dropout_mask(self.per_gate(inputs))
        return self.recurrent_step(self.input_convolution(inputs, dropout_mask), states,
                                   training)

    def get_config(self):
        return {**super().get_config(), **serialize_cell_args(self, _CELL_ARGS)}


class ConvLSTM(RNN):
    """N-D convolutional LSTM: an LSTM over a sequence of frames whose input and recurrent
    products are convolutions. ``ConvLSTM1D``, ``ConvLSTM2D`` and ``ConvLSTM3D`` set
    ``cell_class`` (whose ``rank`` is the number of spatial axes of a frame).

    Args:
        filters: number of channels of the output and of the states.
        kernel_size: int or tuple of ``rank`` ints, the window of both convolutions.
        strides: int or tuple of ``rank`` ints, the step of the input convolution (1 by
            default).
        padding: ``"valid"`` (default) or ``"same"``, for the input convolution; the recurrent
            one always uses "same".
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or tuple of ``rank`` ints, for the input convolution; strides above
            1 cannot be combined with a dilation rate above 1.
        activation: for the content and the output (``"tanh"``).
        recurrent_activation: for the gates (``"sigmoid"``).
        use_bias, kernel_initializer (``"glorot_uniform"``), recurrent_initializer
            (``"orthogonal"``), bias_initializer (``"zeros"``), unit_forget_bias (True: the
            forget gate's bias starts at 1), regularizers, constraints.
        dropout / recurrent_dropout: fractions of the inputs / of the previous output dropped
            in training, with one mask per gate for the whole sequence (as Keras).
        return_sequences, return_state, go_backwards, stateful: see ``RNN``.

    Input shape: ``(batch, time, *spatial, channels)`` (``(batch, time, channels, *spatial)``
    with channels first). Output shape: ``(batch, *spatial', filters)``, or ``(batch, time,
    *spatial', filters)`` with return_sequences; with return_state ``[output, h, c]``.
    ``spatial'`` follows the input convolution, as in ``Conv1D`` / ``Conv2D`` / ``Conv3D``.
    A mask is ``(batch, time)``: masked frames keep the states.
    """

    cell_class = None  # a ConvLSTMCell subclass that fixes the rank

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, activation="tanh", recurrent_activation="sigmoid",
                 use_bias=True, kernel_initializer="glorot_uniform",
                 recurrent_initializer="orthogonal", bias_initializer="zeros",
                 unit_forget_bias=True, kernel_regularizer=None, recurrent_regularizer=None,
                 bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                 recurrent_dropout=0.0, seed=None, return_sequences=False, return_state=False,
                 go_backwards=False, stateful=False, **kwargs):
        cell = type(self).cell_class(
            filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation,
            recurrent_activation=recurrent_activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, recurrent_initializer=recurrent_initializer,
            bias_initializer=bias_initializer, unit_forget_bias=unit_forget_bias,
            kernel_regularizer=kernel_regularizer, recurrent_regularizer=recurrent_regularizer,
            bias_regularizer=bias_regularizer, kernel_constraint=kernel_constraint,
            recurrent_constraint=recurrent_constraint, bias_constraint=bias_constraint,
            dropout=dropout, recurrent_dropout=recurrent_dropout, seed=seed,
            dtype=kwargs.get("dtype"), trainable=kwargs.get("trainable", True),
            name="conv_lstm_cell",
        )
        super().__init__(cell, return_sequences=return_sequences, return_state=return_state,
                         go_backwards=go_backwards, stateful=stateful,
                         activity_regularizer=activity_regularizer, **kwargs)
        frame = describe_layout(cell.rank, cell.data_format)[len("(batch, "):]
        self._layout = "(batch, time, " + frame
        self.input_spec = InputSpec(ndim=cell.rank + 3, layout=self._layout)

    _cell_args = _CELL_ARGS

    # ------------------------------------------------------------------ shapes
    def build(self, sequences_shape, initial_state_shape=None):
        self._frame_state_shape(sequences_shape)  # refuses frames smaller than the kernel
        super().build(sequences_shape)
        axis = self.cell._channel_axis
        self.input_spec = InputSpec(ndim=self.cell.rank + 3, axes={axis: sequences_shape[axis]},
                                    layout=self._layout)

    def _frame_state_shape(self, sequences_shape) -> tuple:
        """Shape of one state, ``(batch, *spatial', filters)``, for these sequences."""
        return self.cell.state_shape((sequences_shape[0],) + tuple(sequences_shape[2:]))

    def compute_output_shape(self, sequences_shape):
        state = self._frame_state_shape(sequences_shape)
        out = (state[0], sequences_shape[1]) + state[1:] if self.return_sequences else state
        return (out, state, state) if self.return_state else out

    # ------------------------------------------------------------------ states
    def get_initial_state(self, batch_size: int, like: torch.Tensor) -> list[torch.Tensor]:
        shape = self._frame_state_shape((batch_size,) + tuple(like.shape[1:]))
        return [like.new_zeros(shape), like.new_zeros(shape)]

    def starting_states(self, sequences, initial_state):
        if initial_state is None:
            return super().starting_states(sequences, None)
        states = list(initial_state) if isinstance(initial_state, (list, tuple)) else [
            initial_state]
        expected = [self._frame_state_shape(tuple(sequences.shape))] * 2
        got = [tuple(s.shape) for s in states]
        if got != expected:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects initial_state to be 2 '
                f"tensors [h, c] of shapes {expected}; got {len(got)} of shapes {got}"
            )
        return states

    # ------------------------------------------------------------------ running
    def _run_fused(self, sequences, initial_state, mask, training):
        """All frames through the input convolution at once, then the step loop for the
        recurrent half (``ConvLSTMCell.recurrent_step``). Same numbers as calling the cell
        frame by frame, Keras's way."""
        states = self.starting_states(sequences, initial_state)
        cell = self.cell
        dropout_mask = None
        if training and cell.dropout > 0:
            dropout_mask = cell.get_dropout_mask(cell.per_gate(sequences[:, 0]))
        x_parts = cell.input_convolution(sequences, dropout_mask)
        step = functools.partial(cell.recurrent_step, training=training)
        last, outputs, final = rnn_ops.step_loop(step, x_parts, states, mask,
                                                 self.go_backwards, self.zero_output_for_mask)
        return last, outputs, final, "fused"
