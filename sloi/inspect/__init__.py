"""``sloi.inspect``: look inside trained layers (the gates of LSTM and GRU, with pictures)."""

from sloi.inspect.gates import gru_gates, lstm_gates
from sloi.inspect.plots import plot_gates

__all__ = ["gru_gates", "lstm_gates", "plot_gates"]
