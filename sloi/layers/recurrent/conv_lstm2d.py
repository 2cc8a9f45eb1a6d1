"""``ConvLSTM2D`` and ``ConvLSTM2DCell``: the convolutional LSTM (see
``sloi.layers.recurrent.conv_lstm``) for sequences of images, such as the frames of a video."""

from sloi.layers.recurrent.conv_lstm import ConvLSTM, ConvLSTMCell


class ConvLSTM2DCell(ConvLSTMCell):
    """One ConvLSTM step over one 2-D frame; arguments as ``ConvLSTM2D`` without the
    sequence ones. Weights: ``kernel (kh, kw, channels, 4*filters)``, ``recurrent_kernel`` the
    same with ``filters`` input channels, ``bias (4*filters,)``; gates i, f, c, o."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(2, filters, kernel_size, **kwargs)


class ConvLSTM2D(ConvLSTM):
    """2-D convolutional LSTM: an LSTM over sequences of images, such as the frames of a
    video, whose input and recurrent products are convolutions
    (see ``ConvLSTM`` for every argument).

    Args:
        filters: number of channels of the output and of the states.
        kernel_size: int or ``(rows, cols)``, the window of both convolutions.
        strides, padding (``"valid"`` or ``"same"``), data_format, dilation_rate: of the input
            convolution; the recurrent one is stride 1, "same", undilated.
        activation (``"tanh"``), recurrent_activation (``"sigmoid"``), use_bias, initializers,
            unit_forget_bias, regularizers, constraints, dropout, recurrent_dropout, seed.
        return_sequences, return_state, go_backwards, stateful: see ``RNN``.

    Input shape: ``(batch, time, rows, cols, channels)`` (``(batch, time, channels, rows,
    cols)`` with channels first).
    Output shape: ``(batch, rows', cols', filters)``, or ``(batch, time, rows', cols',
    filters)`` with return_sequences; with return_state ``[output, h, c]``.
    A mask is ``(batch, time)``: masked frames keep the states.

    Example:
        >>> frames = Input(shape=(10, 40, 40, 1))          # ten frames of a flying ball
        >>> h = ConvLSTM2D(8, 3, padding="same", return_sequences=True)(frames)
        >>> h.shape                                        # 2,624 parameters
        (None, 10, 40, 40, 8)
    """

    cell_class = ConvLSTM2DCell
