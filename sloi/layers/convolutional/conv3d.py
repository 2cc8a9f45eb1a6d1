"""``Conv3D``: 3-D convolution over volumes (or videos), ``activation(conv3d(inputs, kernel) +
bias)``."""

from sloi.layers.convolutional.base_conv import BaseConv


class Conv3D(BaseConv):
    """3-D convolution layer (see ``BaseConv`` for the details of every argument).

    Args:
        filters: number of output channels.
        kernel_size: int or ``(depth, height, width)`` of the window.
        strides: int or ``(depth, height, width)`` step of the window, 1 by default.
        padding: ``"valid"`` (default) or ``"same"`` (an odd step of padding goes at the end).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or ``(depth, height, width)`` spacing between kernel taps.
        groups: number of channel groups convolved separately, 1 by default.
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer / activity_regularizer: optional losses.
        kernel_constraint / bias_constraint: optional projections after each update.

    Input shape: ``(batch, depth, height, width, channels)``, or ``(batch, channels, depth,
    height, width)`` with ``data_format="channels_first"``.
    Output shape: ``(batch, new_depth, new_height, new_width, filters)`` (or channels first).
    Weights: ``kernel (kd, kh, kw, channels // groups, filters)``, ``bias (filters,)``.

    Example:
        >>> x = Input(shape=(8, 32, 32, 3))
        >>> y = Conv3D(16, 3, padding="same")(x)   # (None, 8, 32, 32, 16)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1, 1), padding="valid",
                 data_format=None, dilation_rate=(1, 1, 1), groups=1, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            3, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )
