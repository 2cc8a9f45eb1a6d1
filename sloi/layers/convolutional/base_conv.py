"""``BaseConv``: the N-D convolution layer that ``Conv1D``, ``Conv2D`` and ``Conv3D`` specialise,
and ``ConvWindow``: the window arithmetic it shares with the depthwise and separable
convolutions.

A subclass only fixes ``rank`` (the number of spatial axes) and its defaults; the arguments,
weights, shape rules, errors and config are the same for every rank. The arithmetic lives in
``sloi.kernels.conv``.
"""

from __future__ import annotations

import torch

from sloi import activations, constraints, initializers, regularizers
from sloi.engine import InputSpec, Layer
from sloi.engine.arguments import check_flags
from sloi.engine.symbolic import format_shape
from sloi.kernels.conv import (
    channel_axis,
    conv,
    describe_layout,
    normalize_data_format,
    normalize_padding,
    normalize_tuple,
    output_length,
    spatial_axes,
    torch_layout_kernel,
)
from sloi.layers.argument_checks import ArgumentChecks


class ConvWindow(ArgumentChecks):
    """Mixed into a convolution layer: its window arguments (``kernel_size``, ``strides``,
    ``padding``, ``data_format``, ``dilation_rate`` over ``rank`` spatial axes), checked with
    errors that name the layer, and what follows from them: the output's spatial sizes and the
    refusal of inputs smaller than the window; and the building steps every convolution
    shares (known channels, the bias, the channels fixed once built)."""

    def _set_window(self, rank, kernel_size, strides, padding, data_format, dilation_rate,
                    allow_causal=False):
        self.rank = rank
        self.kernel_size = self._checked(normalize_tuple, kernel_size, rank, "kernel_size")
        self.strides = self._checked(normalize_tuple, strides, rank, "strides")
        self.dilation_rate = self._checked(normalize_tuple, dilation_rate, rank, "dilation_rate")
        self.padding = self._checked(normalize_padding, padding, allow_causal=allow_causal)
        self.data_format = self._checked(normalize_data_format, data_format)
        self._layout = describe_layout(rank, self.data_format)
        self._spatial_axes = spatial_axes(rank + 2, self.data_format)
        # what the dilated kernel covers along each spatial axis
        self._extent = tuple((k - 1) * d + 1 for k, d in zip(self.kernel_size, self.dilation_rate,
                                                             strict=True))

    def _spatial_output(self, input_shape) -> tuple:
        """The output's spatial sizes (None stays None); refuses inputs smaller than the
        window."""
        spatial = tuple(
            output_length(input_shape[a], k, s, d, self.padding)
            for a, k, s, d in zip(self._spatial_axes, self.kernel_size, self.strides,
                                  self.dilation_rate, strict=True)
        )
        if any(size is not None and size <= 0 for size in spatial):
            self._raise_too_small(input_shape)
        return spatial

    def _check_size(self, inputs) -> None:
        if self.padding == "valid":
            # torch would fail too, but without naming the layer or the shapes
            for a, extent in zip(self._spatial_axes, self._extent, strict=True):
                if inputs.shape[a] < extent:
                    self._raise_too_small(tuple(inputs.shape))

    def _shape_with_channels(self, batch, spatial: tuple, channels) -> tuple:
        """The output's full shape in this layer's ``data_format``."""
        if self.data_format == "channels_last":
            return (batch,) + spatial + (channels,)
        return (batch, channels) + spatial

    # ------------------------------------------------------------------ building
    def _known_channels(self, input_shape) -> int:
        """The input's channels, which the weights' shapes need; refuses an unknown axis."""
        channels = input_shape[channel_axis(self.data_format)]
        if channels is None:
            raise self._error(
                f"the channels axis of the input must be known; got shape "
                f"{format_shape(input_shape)} for inputs {self._layout}"
            )
        return channels

    def _build_bias(self, size: int) -> None:
        """``bias (size,)`` from the layer's bias arguments, or None without ``use_bias``."""
        self.bias = None
        if self.use_bias:
            self.bias = self.add_weight("bias", (size,), self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def _fix_channels(self, channels: int) -> None:
        """Once built, inputs must keep the channels the weights were made for."""
        self.input_spec = InputSpec(ndim=self.rank + 2,
                                    axes={channel_axis(self.data_format): channels},
                                    layout=self._layout)

    def _raise_too_small(self, input_shape):
        sizes = tuple(input_shape[a] for a in self._spatial_axes)
        kernel = f"kernel_size {self.kernel_size}"
        if self._extent != self.kernel_size:
            kernel += f" with dilation_rate {self.dilation_rate} (covering {self._extent})"
        raise self._error(
            f'{kernel} is larger than the spatial size {sizes} of the input with padding="valid"; '
            f"got input shape {format_shape(tuple(input_shape))}"
        )


class BaseConv(ConvWindow, Layer):
    """N-D convolution (a cross-correlation, as in every deep learning library), plus a bias and
    an activation: ``activation(conv(inputs, kernel) + bias)``.

    Args:
        rank: number of spatial axes (1 for sequences, 2 for images).
        filters: number of output channels.
        kernel_size: int or tuple of ``rank`` ints, the window size.
        strides: int or tuple of ``rank`` ints, the step of the window. Strides above 1 cannot
            be combined with a dilation rate above 1 (as in Keras).
        padding: ``"valid"`` (no padding), ``"same"`` (pad so that the output has
            ``ceil(size / stride)`` positions; an odd pixel of padding goes at the end, as in
            TensorFlow) or, for ``rank == 1`` only, ``"causal"`` (pad at the start only).
        data_format: ``"channels_last"`` (default, ``(batch, *spatial, channels)``) or
            ``"channels_first"`` (``(batch, channels, *spatial)``).
        dilation_rate: int or tuple of ``rank`` ints, the spacing between kernel taps.
        groups: split the input channels into this many groups, each convolved with
            ``filters // groups`` filters; input channels and ``filters`` must divide evenly.
        activation: function or name; None is linear.
        use_bias: whether to add a bias.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer / activity_regularizer: optional losses.
        kernel_constraint / bias_constraint: optional projections after each update.

    Input shape: ``(batch, *spatial, channels)`` (or channels first). Output shape:
    ``(batch, *new_spatial, filters)``, where each new size is ``ceil(size / stride)`` with
    "same"/"causal" padding and ``(size - dilation * (kernel - 1) - 1) // stride + 1`` with
    "valid".
    Weights: ``kernel (*kernel_size, channels // groups, filters)``, ``bias (filters,)``.
    """

    def __init__(self, rank, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(activity_regularizer=activity_regularizer, **kwargs)
        self.filters = self._positive_int(filters, "filters")
        self.groups = self._positive_int(groups, "groups")
        self._set_window(rank, kernel_size, strides, padding, data_format, dilation_rate,
                         allow_causal=rank == 1)
        if self.filters % self.groups:
            raise self._error(
                f"filters ({self.filters}) must be divisible by groups ({self.groups})"
            )
        if max(self.strides) > 1 and max(self.dilation_rate) > 1:
            raise self._error(
                f"strides {self.strides} above 1 cannot be combined with dilation_rate "
                f"{self.dilation_rate} above 1"
            )
        self.activation = activations.get(activation)
        check_flags(self, use_bias=use_bias)
        self.use_bias = use_bias
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.input_spec = InputSpec(ndim=rank + 2, layout=self._layout)

    # ------------------------------------------------------------------ building
    def build(self, input_shape):
        channels = self._known_channels(input_shape)
        if channels % self.groups:
            raise self._error(
                f"the input's {channels} channels must be divisible by groups ({self.groups}); "
                f"got shape {format_shape(input_shape)}"
            )
        self.compute_output_shape(input_shape)  # refuses inputs smaller than the kernel
        kernel_shape = self.kernel_size + (channels // self.groups, self.filters)
        self.kernel = self.add_weight("kernel", kernel_shape, self.kernel_initializer,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        self._lay_out_kernel()
        self._build_bias(self.filters)
        self._fix_channels(channels)

    def _lay_out_kernel(self) -> None:
        """Keep the kernel in the order the convolution hands it to torch (same shape and
        values), so that no call copies it. Done at build, before an optimizer or a
        DistributedDataParallel sees the parameter; ``.data`` keeps its gradient hooks."""
        with torch.no_grad():
            self.kernel.data = torch_layout_kernel(self.kernel, self.data_format)

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        return self._shape_with_channels(input_shape[0], self._spatial_output(input_shape),
                                  self.filters)

    # ------------------------------------------------------------------ calling
    def call(self, inputs):
        self._check_size(inputs)
        outputs = conv(inputs, self.kernel, self.bias, self.strides, self.padding,
                       self.dilation_rate, self.data_format)
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
            "groups": self.groups,
            "activation": activations.serialize(self.activation),
            "use_bias": self.use_bias,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
        }
