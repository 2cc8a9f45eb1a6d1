"""``ConvLSTM1D`` and ``ConvLSTM1DCell``: the convolutional LSTM (see
``sloi.layers.recurrent.conv_lstm``) for sequences of 1-D signals (a spectrum, a row of
sensors) over time."""

from sloi.layers.recurrent.conv_lstm import ConvLSTM, ConvLSTMCell


class ConvLSTM1DCell(ConvLSTMCell):
    """One ConvLSTM step over one 1-D frame; arguments as ``ConvLSTM1D`` without the
    sequence ones. Weights: ``kernel (k, channels, 4*filters)``, ``recurrent_kernel`` the same with
    ``filters`` input channels, ``bias (4*filters,)``; gates i, f, c, o."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(1, filters, kernel_size, **kwargs)


class ConvLSTM1D(ConvLSTM):
    """1-D convolutional LSTM: an LSTM over sequences of 1-D signals (a spectrum, a row of
    sensors), whose input and recurrent products are convolutions
    (see ``ConvLSTM`` for every argument).

    Args:
        filters: number of channels of the output and of the states.
        kernel_size: int or 1-tuple, the window of both convolutions.
        strides, padding (``"valid"`` or ``"same"``), data_format, dilation_rate: of the input
            convolution; the recurrent one is stride 1, "same", undilated.
        activation (``"tanh"``), recurrent_activation (``"sigmoid"``), use_bias, initializers,
            unit_forget_bias, regularizers, constraints, dropout, recurrent_dropout, seed.
        return_sequences, return_state, go_backwards, stateful: see ``RNN``.

    Input shape: ``(batch, time, steps, channels)`` (``(batch, time, channels, steps)``
    with channels first).
    Output shape: ``(batch, steps', filters)``, or ``(batch, time, steps', filters)`` with
    return_sequences; with return_state ``[output, h, c]``.
    A mask is ``(batch, time)``: masked frames keep the states.

    Example:
        >>> x = Input(shape=(10, 32, 3))             # ten readings of 32 sensors, 3 channels
        >>> h = ConvLSTM1D(8, 3, padding="same", return_sequences=True)(x)
        >>> h.shape
        (None, 10, 32, 8)
    """

    cell_class = ConvLSTM1DCell
