"""``Conv2DTranspose``: the transposed 2-D convolution ("deconvolution"), which enlarges
images: ``activation(conv_transpose(inputs, kernel) + bias)``."""

from sloi.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv2DTranspose(BaseConvTranspose):
    """Transposed 2-D convolution (see ``BaseConvTranspose`` for the output size rule).

    Args:
        filters: number of output channels.
        kernel_size: int or ``(height, width)`` of the window.
        strides: int or ``(height, width)``, the output pixels between two input ones,
            ``(1, 1)`` by default.
        padding: ``"valid"`` (default) or ``"same"``.
        output_padding: int or ``(height, width)``, each below its stride: rows / columns added
            at the bottom / right. None (default) lets Keras's rule choose.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        dilation_rate: int or ``(height, width)``, ``(1, 1)`` by default (not above 1 with
            strides above 1).
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer / activity_regularizer: optional losses.
        kernel_constraint / bias_constraint: optional projections after each update.

    Input shape: ``(batch, height, width, channels)`` (or channels first).
    Output shape: ``(batch, new_height, new_width, filters)`` (or channels first).
    Weights: ``kernel (kh, kw, filters, channels)``, ``bias (filters,)``.

    Example:
        >>> x = Input(shape=(7, 7, 16))
        >>> y = Conv2DTranspose(8, 3, strides=2, padding="same")(x)   # (None, 14, 14, 8)
    """

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid",
                 output_padding=None, data_format=None, dilation_rate=(1, 1), activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            2, filters, kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs,
        )
