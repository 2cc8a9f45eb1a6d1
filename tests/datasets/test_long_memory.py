import numpy as np
import pytest
import torch

import sloi
from sloi import layers
from sloi.datasets import long_memory
from tests.datasets import generated_checks


def test_shapes_tokens_and_balance():
    data = long_memory.load_data(num_samples=300, distance=40, vocab_size=12, num_classes=3)
    generated_checks.check_split(data, 300, 0.2)
    x = np.concatenate([data[0][0], data[1][0]])
    y = np.concatenate([data[0][1], data[1][1]])
    assert x.shape == (300, 41) and x.dtype == np.int64 and y.dtype == np.int64
    np.testing.assert_array_equal(x[:, 0], y + 1)  # the first token is the class token
    assert x[:, 1:].min() >= 4 and x[:, 1:].max() <= 11  # distractors only after it
    assert np.bincount(y).tolist() == [100, 100, 100]
    # the distractors say nothing about the class: same token frequencies in every class
    freq = [np.bincount(x[y == c, 1:].ravel(), minlength=12)[4:] / (100 * 40) for c in range(3)]
    assert np.abs(freq[0] - freq[1]).max() < 0.02 and np.abs(freq[0] - freq[2]).max() < 0.02


def test_reproducible():
    generated_checks.check_reproducible(long_memory.load_data, num_samples=50, distance=5)


@pytest.mark.parametrize("kwargs, match", [
    ({"vocab_size": 3}, "vocab_size=3 leaves no distractor token"),
    ({"num_classes": 1}, "num_classes must be an integer >= 2"),
    ({"distance": -1}, "distance must be an integer >= 0"),
    ({"test_split": 1.0}, r"test_split must be in \[0, 1\)"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        long_memory.load_data(**kwargs)


@pytest.mark.usefixtures("one_thread")
def test_learnable_with_memory_and_not_without():
    """An LSTM carries the first token across 20 distractors; a model that sees only the
    last 10 tokens cannot beat chance. (The 100-step comparison of LSTM, GRU and SimpleRNN
    needs longer training: benchmarks/datasets.py.)"""
    distance = 20
    (x, y), (x_test, y_test) = long_memory.load_data(num_samples=800, distance=distance)
    torch.manual_seed(0)
    recurrent = sloi.Sequential([sloi.Input(shape=(distance + 1,), dtype="int64"),
                                 layers.Embedding(20, 8), layers.LSTM(16),
                                 layers.Dense(2, activation="softmax")])
    recent = sloi.Sequential([sloi.Input(shape=(10,), dtype="int64"), layers.Embedding(20, 8),
                              layers.Flatten(), layers.Dense(16, activation="relu"),
                              layers.Dense(2, activation="softmax")])
    accuracy = []
    for model, cut in ((recurrent, 0), (recent, -10)):
        model.compile(optimizer=sloi.optimizers.Adam(0.01),
                      loss="sparse_categorical_crossentropy", metrics=["accuracy"])
        model.fit(x[:, cut:], y, epochs=4, batch_size=32, verbose=0)
        accuracy.append(model.evaluate(x_test[:, cut:], y_test, verbose=0)[1])
    assert accuracy[0] > 0.95
    assert accuracy[1] < 0.65  # chance is 0.5
