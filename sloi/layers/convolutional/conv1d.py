"""``Conv1D``: 1-D convolution over sequences, ``activation(conv1d(inputs, kernel) + bias)``."""

from sloi.layers.convolutional.base_conv import BaseConv


class Conv1D(BaseConv):
    """1-D convolution layer (see ``BaseConv`` for the details of every argument).

    Args:
        filters: number of output channels.
        kernel_size: int (or 1-tuple), the window length.
        strides: int step of the window, 1 by default.
        padding: ``"valid"`` (default), ``"same"`` (an odd step of padding goes at the end) or
            ``"causal"`` (``dilation_rate * (kernel_size - 1)`` zeros at the start only, so that
            output ``t`` sees inputs up to ``t``; the length is kept).
        data_format: ``"channels_last"`` (default, ``(batch, steps, channels)``) or
            ``"channels_first"``.
        dilation_rate: int spacing between kernel taps, 1 by default.
        groups: number of channel groups convolved separately, 1 by default.
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer / activity_regularizer: optional losses.
        kernel_constraint / bias_constraint: optional projections after each update.

    Input shape: ``(batch, steps, channels)``, or ``(batch, channels, steps)`` channels first.
    Output shape: ``(batch, new_steps, filters)`` (or channels first).
    Weights: ``kernel (kernel_size, channels // groups, filters)``, ``bias (filters,)``.

    Example:
        >>> x = Input(shape=(500, 128))
        >>> y = Conv1D(32, 7, activation="relu")(x)      # (None, 494, 32)
        >>> y = Conv1D(32, 3, padding="causal")(y)       # (None, 494, 32)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None,
                 dilation_rate=1, groups=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            1, filters, kernel_size, strides=strides, padding=padding, data_format=data_format,
            dilation_rate=dilation_rate, groups=groups, activation=activation, use_bias=use_bias,
            kernel_initializer=kernel_initializer, bias_initializer=bias_initializer,
            kernel_regularizer=kernel_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, kernel_constraint=kernel_constraint,
            bias_constraint=bias_constraint, **kwargs,
        )
