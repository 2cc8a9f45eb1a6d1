"""Recurrent dropout masks come from the cell's seed, as Keras's come from its SeedGenerator."""

import pytest
import torch

from sloi import layers

_X = torch.randn(3, 5, 6)


def _pair(cls, seed_a, seed_b, **kwargs):
    """Two layers with equal weights; seeds as given."""
    a = cls(4, dropout=0.5, recurrent_dropout=0.3, seed=seed_a, **kwargs)
    b = cls(4, dropout=0.5, recurrent_dropout=0.3, seed=seed_b, **kwargs)
    a(_X)
    b(_X)
    b.set_weights(a.get_weights())
    return a, b


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_same_seed_same_masks(cls):
    a, b = _pair(cls, 1, 1)
    torch.manual_seed(0)  # the global generator must not matter
    ya = a(_X, training=True)
    torch.manual_seed(1)
    yb = b(_X, training=True)
    assert torch.equal(ya, yb)
    assert not torch.equal(ya, a(_X, training=False))  # dropout did act


@pytest.mark.parametrize("cls", [layers.SimpleRNN, layers.LSTM, layers.GRU])
def test_new_masks_at_each_call_and_other_seeds_differ(cls):
    a, b = _pair(cls, 1, 2)
    first = a(_X, training=True)
    assert not torch.equal(first, a(_X, training=True))  # the generator moves on
    assert not torch.equal(first, b(_X, training=True))


def test_fused_path_input_dropout_is_seeded():
    # dropout without recurrent_dropout runs on the fused kernel; its mask is seeded too
    a = layers.LSTM(4, dropout=0.5, seed=7)
    b = layers.LSTM(4, dropout=0.5, seed=7)
    a(_X)
    b(_X)
    b.set_weights(a.get_weights())
    assert torch.equal(a(_X, training=True), b(_X, training=True))


def test_cell_alone_is_seeded():
    cells = [layers.LSTMCell(4, dropout=0.5, recurrent_dropout=0.5, seed=3) for _ in range(2)]
    h = torch.randn(3, 4)
    outs = []
    for cell in cells:
        cell(_X[:, 0], [h, h])
    cells[1].set_weights(cells[0].get_weights())
    for cell in cells:
        outs.append(cell(_X[:, 0], [h, h], training=True)[0])
    assert torch.equal(outs[0], outs[1])


def test_bidirectional_with_seed_repeats():
    make = lambda: layers.Bidirectional(  # noqa: E731
        layers.LSTM(4, dropout=0.5, recurrent_dropout=0.3, seed=5))
    a, b = make(), make()
    a(_X)
    b(_X)
    b.set_weights(a.get_weights())
    assert torch.equal(a(_X, training=True), b(_X, training=True))


def test_conv_lstm_masks_are_seeded():
    x = torch.randn(2, 3, 8, 2)
    make = lambda: layers.ConvLSTM1D(2, 3, dropout=0.5, recurrent_dropout=0.5, seed=4)  # noqa: E731
    a, b = make(), make()
    a(x)
    b(x)
    b.set_weights(a.get_weights())
    first = a(x, training=True)
    assert torch.equal(first, b(x, training=True))
    assert not torch.equal(first, a(x, training=True))
