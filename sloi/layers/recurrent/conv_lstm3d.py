"""``ConvLSTM3D`` and ``ConvLSTM3DCell``: the convolutional LSTM (see
``sloi.layers.recurrent.conv_lstm``) for sequences of volumes (a scan repeated over time)."""

from sloi.layers.recurrent.conv_lstm import ConvLSTM, ConvLSTMCell


class ConvLSTM3DCell(ConvLSTMCell):
    """One ConvLSTM step over one 3-D frame; arguments as ``ConvLSTM3D`` without the
    sequence ones. Weights: ``kernel (kd, kh, kw, channels, 4*filters)``,
    ``recurrent_kernel`` the same with ``filters`` input channels, ``bias (4*filters,)``;
    gates i, f, c, o."""

    def __init__(self, filters, kernel_size, **kwargs):
        super().__init__(3, filters, kernel_size, **kwargs)


class ConvLSTM3D(ConvLSTM):
    """3-D convolutional LSTM: an LSTM over sequences of volumes (a scan repeated over
    time), whose input and recurrent products are convolutions
    (see ``ConvLSTM`` for every argument).

    Args:
        filters: number of channels of the output and of the states.
        kernel_size: int or ``(depth, rows, cols)``, the window of both convolutions.
        strides, padding (``"valid"`` or ``"same"``), data_format, dilation_rate: of the input
            convolution; the recurrent one is stride 1, "same", undilated.
        activation (``"tanh"``), recurrent_activation (``"sigmoid"``), use_bias, initializers,
            unit_forget_bias, regularizers, constraints, dropout, recurrent_dropout, seed.
        return_sequences, return_state, go_backwards, stateful: see ``RNN``.

    Input shape: ``(batch, time, depth, rows, cols, channels)`` (``(batch, time, channels,
    depth, rows, cols)`` with channels first).
    Output shape: ``(batch, depth', rows', cols', filters)``, or ``(batch, time, depth', rows',
    cols', filters)`` with return_sequences; with return_state ``[output, h, c]``.
    A mask is ``(batch, time)``: masked frames keep the states.

    Example:
        >>> x = Input(shape=(5, 8, 16, 16, 1))
        >>> h = ConvLSTM3D(4, 3, padding="same")(x)
        >>> h.shape
        (None, 8, 16, 16, 4)
    """

    cell_class = ConvLSTM3DCell
