"""``SeparableConv2D``: a depthwise 2-D convolution (each channel on its own) followed by a
pointwise one (channels mixed pixel by pixel), far fewer weights than one ``Conv2D``."""

from sloi.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv2D(BaseSeparableConv):
    """Depthwise separable 2-D convolution:
    ``activation(pointwise(depthwise(inputs)) + bias)`` (see ``BaseSeparableConv``).

    Args:
        filters: number of output channels.
        kernel_size: int or ``(height, width)``, the window of the depthwise step.
        strides: int or ``(height, width)`` step of the window, ``(1, 1)`` by default.
        padding: ``"valid"`` (default) or ``"same"`` (an odd pixel of padding goes at the
            bottom / right).
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or ``(height, width)`` spacing between kernel taps, ``(1, 1)`` by
            default (strides and dilation above 1 may go together, as in Keras).
        depth_multiplier: depthwise outputs per input channel, 1 by default.
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        depthwise_initializer / pointwise_initializer / bias_initializer: ``"glorot_uniform"``,
            ``"glorot_uniform"`` and ``"zeros"`` by default.
        depthwise_regularizer / pointwise_regularizer / bias_regularizer /
            activity_regularizer: optional losses.
        depthwise_constraint / pointwise_constraint / bias_constraint: optional projections.

    Input shape: ``(batch, height, width, channels)`` (or channels first).
    Output shape: ``(batch, new_height, new_width, filters)`` (or channels first), the new
    sizes as for ``Conv2D``.
    Weights: ``depthwise_kernel (kh, kw, channels, depth_multiplier)``,
    ``pointwise_kernel (1, 1, channels * depth_multiplier, filters)``, ``bias (filters,)``.

    Example:
        >>> x = Input(shape=(32, 32, 16))
        >>> y = SeparableConv2D(32, 3, padding="same")(x)   # (None, 32, 32, 32), 688 weights
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None,
                 dilation_rate=(1, 1), depth_multiplier=1, activation=None, use_bias=True,
                 depthwise_initializer="glorot_uniform", pointwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None,
                 **kwargs):
        super().__init__(
            2, depth_multiplier, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs,
        )
