"""``BaseDepthwiseConv``: the N-D depthwise convolution (each input channel convolved on its
own) that ``DepthwiseConv1D`` / ``DepthwiseConv2D`` specialise by fixing the rank, and that
``BaseSeparableConv`` extends with a pointwise step. The arithmetic lives in
``sloi.kernels.conv.depthwise_conv``."""

from __future__ import annotations

from sloi import activations, constraints, initializers, regularizers
from sloi.engine import InputSpec, Layer
from sloi.kernels.conv import channel_axis, depthwise_conv
from sloi.layers.convolutional.base_conv import ConvWindow


class BaseDepthwiseConv(ConvWindow, Layer):
    """Depthwise N-D convolution: ``activation(depthwise_conv(inputs, depthwise_kernel) +
    bias)``, each input channel convolved with ``depth_multiplier`` kernels of its own (output
    channel ``c * depth_multiplier + m`` is input channel ``c`` through kernel ``m``).

    Args:
        rank: number of spatial axes.
        depth_multiplier: outputs per input channel.
        kernel_size: int or tuple of ``rank`` ints, the window size.
        strides: int or tuple of ``rank`` ints, the step of the window. Unlike ``BaseConv``,
            Keras allows strides and a dilation rate above 1 together here, and so does sloi.
        padding: ``"valid"`` or ``"same"`` (an odd step of padding goes at the end).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or tuple of ``rank`` ints, the spacing between kernel taps.
        activation: function or name; None is linear.
        use_bias: whether to add a bias.
        depthwise_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"``.
        depthwise_regularizer / bias_regularizer / activity_regularizer: optional losses.
        depthwise_constraint / bias_constraint: optional projections after each update.

    Output size along each spatial axis: ``ceil(size / stride)`` with "same",
    ``(size - dilation * (kernel - 1) - 1) // stride + 1`` with "valid".
    Weights: ``depthwise_kernel (*kernel_size, channels, depth_multiplier)``, ``bias
    (channels * depth_multiplier,)``.
    """

    def __init__(self, rank, depth_multiplier, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.depth_multiplier = self._positive_int(depth_multiplier, "depth_multiplier")
        self._set_window(rank, kernel_size, strides, padding, data_format, dilation_rate)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2, layout=self._layout)

    # ------------------------------------------------------------------ building
    def output_channels(self, channels: int) -> int:
        """Channels of the output for inputs with ``channels`` channels."""
        return channels * self.depth_multiplier

    def build(self, input_shape):
        channels = self._known_channels(input_shape)
        self.compute_output_shape(input_shape)  # refuses inputs smaller than the kernel
        self._build_depthwise_kernel(channels)
        self._build_bias(channels * self.depth_multiplier)
        self._fix_channels(channels)

    def _build_depthwise_kernel(self, channels: int) -> None:
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        spatial = self._spatial_output(input_shape)
        channels = input_shape[channel_axis(self.data_format)]
        channels = None if channels is None else self.output_channels(channels)
        return self._shape_with_channels(input_shape[0], spatial, channels)

    # ------------------------------------------------------------------ calling
    def call(self, inputs):
        self._check_size(inputs)
        outputs = depthwise_conv(inputs, self.depthwise_kernel, self.bias, self.strides,
                                 self.padding, self.dilation_rate, self.data_format)
        return self.activation(outputs)

    # ------------------------------------------------------------------ config
    def get_config(self):
        return {
            **super().get_config(),
            "depth_multiplier": self.depth_multiplier,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
