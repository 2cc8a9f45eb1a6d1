"""``SeparableConv1D``: a depthwise 1-D convolution (each channel on its own) followed by a
pointwise one (channels mixed step by step), far fewer weights than one ``Conv1D``."""

from sloi.layers.convolutional.base_separable_conv import BaseSeparableConv


class SeparableConv1D(BaseSeparableConv):
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
        super().__init__(
            1, depth_multiplier, filters, kernel_size, strides=strides, padding=padding,
            data_format=data_format, dilation_rate=dilation_rate, activation=activation,
            use_bias=use_bias, depthwise_initializer=depthwise_initializer,
            pointwise_initializer=pointwise_initializer, bias_initializer=bias_initializer,
            depthwise_regularizer=depthwise_regularizer,
            pointwise_regularizer=pointwise_regularizer, bias_regularizer=bias_regularizer,
            activity_regularizer=activity_regularizer, depthwise_constraint=depthwise_constraint,
            pointwise_constraint=pointwise_constraint, bias_constraint=bias_constraint, **kwargs,
        )
