"""Recurrent layers: SimpleRNN, LSTM, GRU, ConvLSTM1D/2D/3D, their cells, the generic RNN
wrapper and TimeDistributed."""

from sloi.layers.recurrent.bidirectional import Bidirectional
from sloi.layers.recurrent.conv_lstm1d import ConvLSTM1D, ConvLSTM1DCell
from sloi.layers.recurrent.conv_lstm2d import ConvLSTM2D, ConvLSTM2DCell
from sloi.layers.recurrent.conv_lstm3d import ConvLSTM3D, ConvLSTM3DCell
from sloi.layers.recurrent.gru import GRU, GRUCell
from sloi.layers.recurrent.lstm import LSTM, LSTMCell
from sloi.layers.recurrent.rnn import RNN
from sloi.layers.recurrent.simple_rnn import SimpleRNN, SimpleRNNCell
from sloi.layers.recurrent.stacked_rnn_cells import StackedRNNCells
from sloi.layers.recurrent.time_distributed import TimeDistributed

__all__ = [
    "GRU", "Bidirectional", "ConvLSTM1D", "ConvLSTM1DCell", "ConvLSTM2D", "ConvLSTM2DCell",
    "ConvLSTM3D", "ConvLSTM3DCell", "GRUCell", "LSTM", "LSTMCell", "RNN",
    "SimpleRNN", "SimpleRNNCell", "StackedRNNCells", "TimeDistributed",
]
