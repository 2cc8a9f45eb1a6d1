"""``DepthwiseConv1D``: each channel of sequences convolved on its own, with
``depth_multiplier`` kernels per channel."""

from sloi.layers.convolutional.base_depthwise_conv import BaseDepthwiseConv


class DepthwiseConv1D(BaseDepthwiseConv):
    """Depthwise 1-D convolution (see ``BaseDepthwiseConv``): no mixing across channels.

    Args:
        kernel_size: int (or 1-tuple), the window length.
        strides: int or tuple, the step of the window, 1 by default.
        padding: ``"valid"`` (default) or ``"same"`` (an odd step of padding goes at the end).
        depth_multiplier: outputs per input channel, 1 by default.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or tuple, the spacing between kernel taps, 1 by default (strides
            and dilation above 1 may go together, as in Keras).
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        depthwise_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        depthwise_regularizer / bias_regularizer / activity_regularizer: optional losses.
        depthwise_constraint / bias_constraint: optional projections after each update.

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, new_steps, channels * depth_multiplier)`` (or channels first).
    Weights: ``depthwise_kernel (kernel_size, channels, depth_multiplier)``,
    ``bias (channels * depth_multiplier,)``.

    Example:
        >>> x = Input(shape=(100, 8))
        >>> y = DepthwiseConv1D(5, depth_multiplier=2)(x)   # (None, 96, 16)
    """

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", bias_initializer="zeros",
                 depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            1, depth_multiplier, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            bias_initializer=bias_initializer, depthwise_regularizer=depthwise_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            depthwise_constraint=depthwise_constraint, bias_constraint=bias_constraint, **kwargs,
        )
