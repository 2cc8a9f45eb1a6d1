"""``BaseSeparableConv``: the N-D depthwise separable convolution that ``SeparableConv1D`` and
``SeparableConv2D`` specialise by fixing the rank: a ``BaseDepthwiseConv`` followed by a
pointwise (kernel size 1) convolution. The arithmetic lives in
``sloi.kernels.conv.separable_conv``."""

from __future__ import annotations

from sloi import constraints, initializers, regularizers
from sloi.kernels.conv import separable_conv
from sloi.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class BaseSeparableConv(BaseDepthwiseConv):
    """Depthwise separable N-D convolution: ``activation(pointwise(depthwise(inputs)) + bias)``.

    The depthwise step convolves each input channel with ``depth_multiplier`` kernels of its
    own (strides, padding and dilation apply here); the pointwise step is a kernel-size-1
    convolution from the ``channels * depth_multiplier`` results to ``filters`` outputs.

    Args:
        rank: number of spatial axes.
        depth_multiplier: depthwise outputs per input channel.
        filters: number of output channels.
        kernel_size, strides, padding, data_format, dilation_rate: of the depthwise step, as
            ``BaseDepthwiseConv`` (strides and dilation above 1 may go together).
        activation, use_bias: as ``BaseDepthwiseConv``.
        depthwise_* / pointwise_* / bias_*: initializers (``"glorot_uniform"``,
            ``"glorot_uniform"``, ``"zeros"``), regularizers and constraints of each weight.

    Weights: ``depthwise_kernel (*kernel_size, channels, depth_multiplier)``,
    ``pointwise_kernel (1, ..., 1, channels * depth_multiplier, filters)``, ``bias (filters,)``.
    """

    def __init__(self, rank, depth_multiplier, filters, kernel_size, strides=1, padding="valid",
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            rank, depth_multiplier, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs,
        )
        self.filters = self._positive_int(filters, "filters")
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.pointwise_constraint = constraints.get(pointwise_constraint)

    def output_channels(self, channels: int) -> int:
        return self.filters

    def build(self, input_shape):
        channels = self._known_channels(input_shape)
        self.compute_output_shape(input_shape)  # refuses inputs smaller than the kernel
        self._build_depthwise_kernel(channels)
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1,) * self.rank + (channels * self.depth_multiplier,
                                                    self.filters),
            self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self._build_bias(self.filters)
        self._fix_channels(channels)

    def call(self, inputs):
        self._check_size(inputs)
        outputs = separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, self.bias,
                                 self.strides, self.padding, self.dilation_rate,
                                 self.data_format)
        return self.activation(outputs)

    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
        }
