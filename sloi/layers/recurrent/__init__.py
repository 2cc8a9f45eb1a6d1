"""Recurrent layers: SimpleRNN, LSTM, GRU, their cells and the generic RNN wrapper."""

from sloi.layers.recurrent.bidirectional import Bidirectional
from sloi.layers.recurrent.gru import GRU, GRUCell
from sloi.layers.recurrent.lstm import LSTM, LSTMCell
from sloi.layers.recurrent.rnn import RNN
from sloi.layers.recurrent.simple_rnn import SimpleRNN, SimpleRNNCell
from sloi.layers.recurrent.stacked_rnn_cells import StackedRNNCells
from sloi.layers.recurrent.time_distributed import TimeDistributed

__all__ = [
    "GRU", "Bidirectional", "GRUCell", "LSTM", "LSTMCell", "RNN", "SimpleRNN", "SimpleRNNCell",
    "StackedRNNCells", "TimeDistributed",
]
