"""``BaseConvTranspose``: the N-D transposed convolution that ``Conv1DTranspose``,
``Conv2DTranspose`` and ``Conv3DTranspose`` specialise by fixing the rank.

It is a ``BaseConv`` (same arguments, checks and config, less ``groups``) with Keras's
transposed kernel layout ``(*kernel_size, filters, channels)``, ``output_padding`` and Keras's
output sizes; the arithmetic lives in ``sloi.kernels.conv.conv_transpose``.
"""

from __future__ import annotations

from sloi.engine.symbolic import format_shape
from sloi.kernels.conv import (
    conv_transpose,
    conv_transpose_output_length,
    normalize_padding,
    normalize_tuple,
)
from sloi.layers.convolutional.base_conv import BaseConv


class BaseConvTranspose(BaseConv):
    """Transposed N-D convolution: the gradient of a convolution with respect to its input,
    which spreads each input position over a ``kernel_size`` window of the output, ``strides``
    apart (small images to large ones).

    Args:
        rank: number of spatial axes.
        filters: number of output channels.
        kernel_size: int or tuple of ``rank`` ints, the window size.
        strides: int or tuple of ``rank`` ints, the output positions between two input ones.
        padding: ``"valid"`` or ``"same"``.
        output_padding: int or tuple of ``rank`` ints, each below its stride: positions added
            at the end of each output axis, to pick among the sizes that a strided convolution
            maps to the same input size. None (default) lets Keras's rule choose.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or tuple of ``rank`` ints (not above 1 with strides above 1).
        activation, use_bias, initializers, regularizers, constraints: as ``BaseConv``.

    Output size along each axis, with ``extent = dilation_rate * (kernel_size - 1) + 1``:
    "valid": ``(size - 1) * strides + extent + output_padding``, a missing ``output_padding``
    being ``max(extent, strides) - extent``; "same": ``size * strides``, or ``(size - 1) *
    strides + extent % 2 + output_padding``.
    Weights (Keras's layout, output channels before input ones): ``kernel (*kernel_size,
    filters, channels)``, ``bias (filters,)``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid",
                 output_padding=None, data_format=None, dilation_rate=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            rank, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs,
        )
        self.padding = self._checked(normalize_padding, padding)  # no "causal" here
        self.output_padding = None
        if output_padding is not None:
            self.output_padding = self._checked(normalize_tuple, output_padding, rank,
                                                "output_padding", allow_zero=True)
            if any(op >= s for op, s in zip(self.output_padding, self.strides, strict=True)):
                raise self._error(
                    f"`output_padding` must be below `strides`; got output_padding "
                    f"{self.output_padding} with strides {self.strides}"
                )

    def build(self, input_shape):
        channels = self._known_channels(input_shape)
        self.compute_output_shape(input_shape)  # refuses inputs that give no output position
        self.kernel = self.add_weight("kernel", self.kernel_size + (self.filters, channels),
                                      self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._build_bias(self.filters)
        self._fix_channels(channels)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        output_padding = self.output_padding or (None,) * self.rank
        spatial = tuple(
            conv_transpose_output_length(input_shape[a], k, s, d, self.padding, op)
            for a, k, s, d, op in zip(self._spatial_axes, self.kernel_size, self.strides,
                                      self.dilation_rate, output_padding, strict=True)
        )
        if any(size is not None and size <= 0 for size in spatial):
            # "same" with an even kernel and output_padding 0 on a single position
            position = "step" if self.rank == 1 else "position"
            raise self._error(
                f"kernel_size {self.kernel_size}, strides {self.strides} and output_padding "
                f"{self.output_padding} give no output {position} for input shape "
                f"{format_shape(input_shape)}"
            )
        return self._shape_with_channels(input_shape[0], spatial, self.filters)

    def call(self, inputs):
        outputs = conv_transpose(inputs, self.kernel, self.bias, self.strides, self.padding,
                                 self.output_padding, self.dilation_rate, self.data_format)
        return self.activation(outputs)

    def get_config(self):
        config = super().get_config()
        del config["groups"]  # Keras's transposed convolutions have none
        config["output_padding"] = self.output_padding
        return config
