"""Data sets, each with Keras's ``load_data()`` returning ``(x_train, y_train), (x_test, y_test)``.

Generated here, seeded, with no download, sized by their arguments; each is built to show one
idea of the lecture:

- ``moving_ball``: short videos; one frame cannot tell the direction, a few frames can.
- ``long_memory``: the class is set by the first token, then many distractors (LSTM vs RNN).
- ``lookahead``: each position's label depends on the token after it (Bidirectional).
- ``next_word``: Russian and English phrases for next-word prediction.
- ``sine``: forecasting windows from noisy sine waves.

Keras's real data sets, downloaded once into ``~/.sloi/datasets`` and checked: ``imdb``,
``reuters``, ``mnist``.
"""

from sloi.datasets import (
    imdb,
    long_memory,
    lookahead,
    mnist,
    moving_ball,
    next_word,
    reuters,
    sine,
)

__all__ = ["imdb", "long_memory", "lookahead", "mnist", "moving_ball", "next_word", "reuters",
           "sine"]
