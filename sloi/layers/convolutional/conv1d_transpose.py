"""``Conv1DTranspose``: the transposed 1-D convolution ("deconvolution"), which lengthens
sequences: ``activation(conv_transpose(inputs, kernel) + bias)``."""

from __future__ import annotations

from sloi.engine import InputSpec
from sloi.engine.symbolic import format_shape
from sloi.kernels.conv import (
    channel_axis,
    conv_transpose,
    conv_transpose_output_length,
    normalize_padding,
    normalize_tuple,
)
from sloi.layers.convolutional.base_conv import BaseConv


class Conv1DTranspose(BaseConv):
    """Transposed 1-D convolution: the gradient of a ``Conv1D`` with respect to its input, used
    to go from short sequences to long ones (each input step is spread over ``kernel_size``
    output steps, ``strides`` apart).

    Args:
        filters: number of output channels.
        kernel_size: int (or 1-tuple), the window length.
        strides: int, the output steps between two input steps, 1 by default.
        padding: ``"valid"`` (default) or ``"same"``.
        output_padding: int (or 1-tuple) below ``strides``: steps added at the end of the
            output, to pick among the lengths that a strided convolution maps to the same
            input length. None (default) lets Keras's rule choose.
        data_format: ``"channels_last"`` (default, ``(batch, steps, channels)``) or
            ``"channels_first"``.
        dilation_rate: int spacing between kernel taps, 1 by default (not with ``strides > 1``).
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer / activity_regularizer: optional losses.
        kernel_constraint / bias_constraint: optional projections after each update.

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, new_steps, filters)`` (or channels first), with ``extent =
    dilation_rate * (kernel_size - 1) + 1``:
    - "valid": ``(steps - 1) * strides + extent + output_padding``, where a missing
      ``output_padding`` is ``max(extent, strides) - extent``;
    - "same": ``steps * strides``, or ``(steps - 1) * strides + extent % 2 + output_padding``.
    Weights (Keras's layout, output channels before input ones): ``kernel (kernel_size,
    filters, channels)``, ``bias (filters,)``.

    Example:
        >>> x = Input(shape=(25, 16))
        >>> y = Conv1DTranspose(8, 3, strides=2, padding="same")(x)   # (None, 50, 8)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )
        self.padding = self._checked(normalize_padding, padding)  # no "causal" here
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = self._checked(normalize_tuple, output_padding, 1,
                                                "output_padding", allow_zero=True)
            if any(op >= s for op, s in zip(self.output_padding, self.strides, strict=True)):
                raise self._error(
                    f"`output_padding` must be below `strides`; got output_padding "
                    f"{self.output_padding} with strides {self.strides}"
                )

    def build(self, input_shape):
        axis = channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise self._error(
                f"the channels axis of the input must be known; got shape "
                f"{format_shape(input_shape)} for inputs {self._layout}"
            )
        self.compute_output_shape(input_shape)  # refuses inputs that give no output step
        self.kernel = self.add_weight("kernel", self.kernel_size + (self.filters, channels),
                                      self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=3, axes={axis: channels}, layout=self._layout)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        output_padding = None if self.output_padding is None else self.output_padding[0]
        steps = conv_transpose_output_length(
            input_shape[self._spatial_axes[0]], self.kernel_size[0], self.strides[0],
            self.dilation_rate[0], self.padding, output_padding,
        )
        if steps is not None and steps <= 0:  # "same" with an even kernel on a single step
            raise self._error(
                f"kernel_size {self.kernel_size}, strides {self.strides} and output_padding "
                f"{self.output_padding} give no output step for input shape "
                f"{format_shape(input_shape)}"
            )
        if self.data_format == "channels_last":
            return (input_shape[0], steps, self.filters)
        return (input_shape[0], self.filters, steps)

    def call(self, inputs):
        outputs = conv_transpose(inputs, self.kernel, self.bias, self.strides, self.padding,
                                 self.output_padding, self.dilation_rate, self.data_format)
        return self.activation(outputs)

    def get_config(self):
        config = super().get_config()
        del config["groups"]  # Keras's transposed convolutions have none
        config["output_padding"] = self.output_padding
        return config
