"""``SeparableConv1D``: a depthwise 1-D convolution (each channel on its own) followed by a
pointwise one (channels mixed step by step), far fewer weights than one ``Conv1D``."""

from __future__ import annotations

from sloi import activations, constraints, initializers, regularizers
from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape
from sloi.kernels.conv import (
    channel_axis,
    describe_layout,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    output_length,
    separable_conv,
    spatial_axes,
)
from sloi.layers.argument_checks import ArgumentChecks


class SeparableConv1D(ArgumentChecks, Layer):
    """Depthwise separable 1-D convolution:
    ``activation(pointwise(depthwise(inputs)) + bias)``.

    The depthwise step convolves each input channel with ``depth_multiplier`` kernels of its
    own (strides, padding and dilation apply here); the pointwise step is a kernel-size-1
    convolution from the ``channels * depth_multiplier`` results to ``filters`` outputs.

    Args:
        filters: number of output channels.
        kernel_size: int (or 1-tuple), the window length of the depthwise step.
        strides: int step of the window, 1 by default.
        padding: ``"valid"`` (default) or ``"same"`` (an odd step of padding goes at the end).
        data_format: ``"channels_last"`` (default, ``(batch, steps, channels)``) or
            ``"channels_first"``.
        dilation_rate: int spacing between kernel taps, 1 by default. Unlike ``Conv1D``, Keras
            allows it together with ``strides > 1`` here, and so does sloi.
        depth_multiplier: depthwise outputs per input channel, 1 by default.
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        depthwise_initializer / pointwise_initializer / bias_initializer: ``"glorot_uniform"``,
            ``"glorot_uniform"`` and ``"zeros"`` by default.
        depthwise_regularizer / pointwise_regularizer / bias_regularizer /
            activity_regularizer: optional losses.
        depthwise_constraint / pointwise_constraint / bias_constraint: optional projections.

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, new_steps, filters)`` (or channels first), ``new_steps`` as for
    ``Conv1D``.
    Weights: ``depthwise_kernel (kernel_size, channels, depth_multiplier)``,
    ``pointwise_kernel (1, channels * depth_multiplier, filters)``, ``bias (filters,)``.

    Example:
        >>> x = Input(shape=(100, 16))
        >>> y = SeparableConv1D(32, 5, padding="same")(x)   # (None, 100, 32), 624 weights
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = self._positive_int(filters, "filters")
        self.depth_multiplier = self._positive_int(depth_multiplier, "depth_multiplier")
        self.kernel_size = self._checked(normalize_tuple, kernel_size, 1, "kernel_size")
        self.strides = self._checked(normalize_tuple, strides, 1, "strides")
        self.dilation_rate = self._checked(normalize_tuple, dilation_rate, 1, "dilation_rate")
        self.padding = self._checked(normalize_padding, padding)
        self.data_format = self._checked(normalize_data_format, data_format)
        self.activation = activations.get(activation)
        self.use_bias = use_bias
        self.depthwise_initializer = initializers.get(depthwise_initializer)
        self.pointwise_initializer = initializers.get(pointwise_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.depthwise_regularizer = regularizers.get(depthwise_regularizer)
        self.pointwise_regularizer = regularizers.get(pointwise_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.depthwise_constraint = constraints.get(depthwise_constraint)
        self.pointwise_constraint = constraints.get(pointwise_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self._layout = describe_layout(1, self.data_format)
        self._steps_axis = spatial_axes(3, self.data_format)[0]
        self.input_spec = InputSpec(ndim=3, layout=self._layout)

    # ------------------------------------------------------------------ building
    def build(self, input_shape):
        axis = channel_axis(self.data_format)
        channels = input_shape[axis]
        if channels is None:
            raise self._error(
                f"the channels axis of the input must be known; got shape "
                f"{format_shape(input_shape)} for inputs {self._layout}"
            )
        self.compute_output_shape(input_shape)  # refuses inputs shorter than the kernel
        self.depthwise_kernel = self.add_weight(
            "depthwise_kernel", self.kernel_size + (channels, self.depth_multiplier),
            self.depthwise_initializer, regularizer=self.depthwise_regularizer,
            constraint=self.depthwise_constraint,
        )
        self.pointwise_kernel = self.add_weight(
            "pointwise_kernel", (1, channels * self.depth_multiplier, self.filters),
            self.pointwise_initializer, regularizer=self.pointwise_regularizer,
            constraint=self.pointwise_constraint,
        )
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (self.filters,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)
        self.input_spec = InputSpec(ndim=3, axes={axis: channels}, layout=self._layout)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        steps = output_length(input_shape[self._steps_axis], self.kernel_size[0],
                              self.strides[0], self.dilation_rate[0], self.padding)
        if steps is not None and steps <= 0:
            self._raise_too_short(input_shape)
        if self.data_format == "channels_last":
            return (input_shape[0], steps, self.filters)
        return (input_shape[0], self.filters, steps)

    def _raise_too_short(self, input_shape):
        extent = (self.kernel_size[0] - 1) * self.dilation_rate[0] + 1
        kernel = f"kernel_size {self.kernel_size}"
        if extent != self.kernel_size[0]:
            kernel += f" with dilation_rate {self.dilation_rate} (covering ({extent},))"
        raise self._error(
            f"{kernel} is larger than the {input_shape[self._steps_axis]} steps of the input "
            f'with padding="valid"; got input shape {format_shape(input_shape)}'
        )

    # ------------------------------------------------------------------ calling
    def call(self, inputs):
        if self.padding == "valid":  # torch would fail too, without naming layer or shapes
            extent = (self.kernel_size[0] - 1) * self.dilation_rate[0] + 1
            if inputs.shape[self._steps_axis] < extent:
                self._raise_too_short(tuple(inputs.shape))
        outputs = separable_conv(inputs, self.depthwise_kernel, self.pointwise_kernel, self.bias,
                                 self.strides, self.padding, self.dilation_rate,
                                 self.data_format)
        return self.activation(outputs)

    # ------------------------------------------------------------------ config
    def get_config(self):
        return {
            **super().get_config(),
            "filters": self.filters,
            "kernel_size": self.kernel_size,
            "strides": self.strides,
            "padding": self.padding,
            "data_format": self.data_format,
            "dilation_rate": self.dilation_rate,
            "depth_multiplier": self.depth_multiplier,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "depthwise_initializer": initializers.serialize(self.depthwise_initializer),
            "pointwise_initializer": initializers.serialize(self.pointwise_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "depthwise_regularizer": regularizers.serialize(self.depthwise_regularizer),
            "pointwise_regularizer": regularizers.serialize(self.pointwise_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "depthwise_constraint": constraints.serialize(self.depthwise_constraint),
            "pointwise_constraint": constraints.serialize(self.pointwise_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
