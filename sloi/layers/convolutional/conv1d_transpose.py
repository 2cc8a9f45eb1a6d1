"""``Conv1DTranspose``: the transposed 1-D convolution ("deconvolution"), which lengthens
sequences: ``activation(conv_transpose(inputs, kernel) + bias)``."""

from sloi.layers.convolutional.base_conv_transpose import BaseConvTranspose


class Conv1DTranspose(BaseConvTranspose):
    """Transposed 1-D convolution: the gradient of a ``Conv1D`` with respect to its input, used
    to go from short sequences to long ones (each input step is spread over ``kernel_size``
    output steps, ``strides`` apart).

    Args:
        filters: number of output channels.
        kernel_size: int (or 1-tuple), the window length.
        strides: int, the output steps between two input steps, 1 by default.
        padding: ``"valid"`` (default) or ``"same"``.
        output_padding: int (or 1-tuple) below ``strides``: steps added at the end of the
            output, to pick among the lengths that a strided convolution maps to the same
            input length. None (default) lets Keras's rule choose.
        data_format: ``"channels_last"`` (default, ``(batch, steps, channels)``) or
            ``"channels_first"``.
        dilation_rate: int spacing between kernel taps, 1 by default (not with ``strides > 1``).
        activation: function or name; None is linear.
        use_bias: whether to add a bias, True by default.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"`` by default.
        kernel_regularizer / bias_regularizer / activity_regularizer: optional losses.
        kernel_constraint / bias_constraint: optional projections after each update.

    Input shape: ``(batch, steps, channels)`` (or channels first).
    Output shape: ``(batch, new_steps, filters)`` (or channels first), with ``extent =
    dilation_rate * (kernel_size - 1) + 1``:
    - "valid": ``(steps - 1) * strides + extent + output_padding``, where a missing
      ``output_padding`` is ``max(extent, strides) - extent``;
    - "same": ``steps * strides``, or ``(steps - 1) * strides + extent % 2 + output_padding``.
    Weights (Keras's layout, output channels before input ones): ``kernel (kernel_size,
    filters, channels)``, ``bias (filters,)``.

    Example:
        >>> x = Input(shape=(25, 16))
        >>> y = Conv1DTranspose(8, 3, strides=2, padding="same")(x)   # (None, 50, 8)
    """

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None,
                 data_format=None, dilation_rate=1, activation=None, use_bias=True,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, **kwargs):
        super().__init__(
            1, filters, kernel_size, strides=strides, padding=padding,
            output_padding=output_padding, data_format=data_format, dilation_rate=dilation_rate,
            activation=activation, use_bias=use_bias, kernel_initializer=kernel_initializer,
            bias_initializer=bias_initializer, kernel_regularizer=kernel_regularizer,
            bias_regularizer=bias_regularizer, activity_regularizer=activity_regularizer,
            kernel_constraint=kernel_constraint, bias_constraint=bias_constraint, **kwargs,
        )
