import numpy as np
import pytest
import torch

import sloi
from sloi import layers
from sloi.datasets import lookahead
from tests.datasets import generated_checks


def test_labels_come_from_the_next_token():
    data = lookahead.load_data(num_samples=200, steps=12, shift=2)
    generated_checks.check_split(data, 200, 0.2)
    (x, y), _ = data
    assert x.shape == y.shape == (160, 12) and x.dtype == y.dtype == np.int64
    assert x.min() >= 1 and x.max() <= 10
    np.testing.assert_array_equal(y[:, :-2], x[:, 2:] % 2)
    np.testing.assert_array_equal(y[:, -2:], x[:, :2] % 2)  # the last ones look around
    assert abs(y.mean() - 0.5) < 0.03  # vocab_size - 1 = 10 tokens: 5 of each class


def test_reproducible():
    generated_checks.check_reproducible(lookahead.load_data, num_samples=40)


def test_bad_arguments():
    with pytest.raises(ValueError, match="shift=5 must be smaller than steps=5"):
        lookahead.load_data(steps=5, shift=5)
    with pytest.raises(ValueError, match="vocab_size must be an integer >= 4"):
        lookahead.load_data(vocab_size=3, num_classes=3)


@pytest.mark.usefixtures("one_thread")
def test_bidirectional_learns_what_a_forward_lstm_cannot():
    (x, y), (x_test, y_test) = lookahead.load_data(num_samples=600, steps=12, seed=0)
    accuracy = {}
    for bidirectional in (False, True):
        torch.manual_seed(0)
        rnn = layers.LSTM(16, return_sequences=True)
        model = sloi.Sequential([sloi.Input(shape=(12,), dtype="int64"), layers.Embedding(11, 8),
                                 layers.Bidirectional(rnn) if bidirectional else rnn,
                                 layers.Dense(2, activation="softmax")])
        model.compile(optimizer=sloi.optimizers.Adam(0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x, y, epochs=5, batch_size=32, verbose=0)
        accuracy[bidirectional] = model.evaluate(x_test, y_test, verbose=0)[1]
    assert accuracy[True] > 0.9
    assert accuracy[False] < 0.6  # chance is 0.5 (a little more: the last position wraps)
