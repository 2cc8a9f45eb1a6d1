"""``Conv2D``: 2-D convolution over images, ``activation(conv2d(inputs, kernel) + bias)``."""

from sloi.layers.convolutional.base_conv import BaseConv


class Conv2D(BaseConv):
    """2-D convolution layer (see ``BaseConv`` for the details of every argument).

    Args:
        filters: number of output channels.
        kernel_size: int or ``(height, width)`` of the window.
        strides: int or ``(height, width)`` step of the window, 1 by default.
        padding: ``"valid"`` (default) or ``"same"`` (TensorFlow's: an odd pixel of padding
            goes at the bottom / right).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or ``(height, width)`` spacing between kernel taps, 1 by default.
        groups: number of channel groups convolved separately, 1 by default.
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer / activity_regularizer: optional losses.
        kernel_constraint / bias_constraint: optional projections after each update.

    Input shape: ``(batch, height, width, channels)``, or ``(batch, channels, height, width)``
    with ``data_format="channels_first"``.
    Output shape: ``(batch, new_height, new_width, filters)`` (or channels first).
    Weights: ``kernel (kh, kw, channels // groups, filters)``, ``bias (filters,)``.

    Example:
        >>> x = Input(shape=(64, 64, 1))
        >>> y = Conv2D(64, kernel_size=4, activation="relu")(x)   # (None, 61, 61, 64)
        >>> y = Conv2D(8, 3, strides=2, padding="same")(y)       # (None, 31, 31, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )
