import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import RNN, GRUCell, LSTMCell, SimpleRNNCell, StackedRNNCells
from tests.layers.recurrent import recurrent_cases as cases


@pytest.mark.parametrize("return_sequences", [False, True])
def test_stacked_cells_match_keras(return_sequences):
    ours = RNN(StackedRNNCells([LSTMCell(4), GRUCell(3), SimpleRNNCell(2)]),
               return_sequences=return_sequences)
    out, taken = cases.run_and_path(ours, cases.X)
    assert taken == "loop"
    theirs = keras.layers.RNN(keras.layers.StackedRNNCells(
        [keras.layers.LSTMCell(4), keras.layers.GRUCell(3), keras.layers.SimpleRNNCell(2)]),
        return_sequences=return_sequences)
    theirs(cases.X)
    assert [w.shape for w in ours.get_weights()] == [w.shape for w in theirs.get_weights()]
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(out.detach().numpy(), theirs(cases.X).detach().numpy(),
                               atol=1e-5)


def test_list_of_cells_is_stacked_and_states_nest_per_cell():
    layer = RNN([LSTMCell(4), GRUCell(3)], return_state=True)
    out, (h1, c1), (h2,) = layer(cases.X)
    assert out.shape == (3, 3) and h1.shape == c1.shape == (3, 4) and h2.shape == (3, 3)
    np.testing.assert_allclose(out.detach().numpy(), h2.detach().numpy())
    assert isinstance(layer.cell, StackedRNNCells)


def _both(build):
    return build(sloi.layers), build(keras.layers)


@pytest.mark.parametrize("build", [
    lambda L: [L.LSTMCell(3), L.GRUCell(2)],
    lambda L: [L.GRUCell(3), L.SimpleRNNCell(2)],
    lambda L: [L.LSTMCell(3)],
    lambda L: [L.SimpleRNNCell(2), L.LSTMCell(4), L.GRUCell(3)],
])
def test_state_size_and_initial_state_nest_per_cell_as_in_keras(build):
    ours, theirs = (StackedRNNCells(build(sloi.layers)),
                    keras.layers.StackedRNNCells(build(keras.layers)))
    assert ours.state_size == theirs.state_size
    assert ours.output_size == theirs.output_size

    def structure(x):
        return [structure(v) for v in x] if isinstance(x, (list, tuple)) else tuple(x.shape)

    assert structure(ours.get_initial_state(batch_size=2)) == structure(
        theirs.get_initial_state(batch_size=2))


def _to_numpy(x):
    if isinstance(x, (list, tuple)):
        return [_to_numpy(v) for v in x]
    return x.detach().numpy() if isinstance(x, torch.Tensor) else keras.ops.convert_to_numpy(x)


def _leaves(x):
    return [leaf for v in x for leaf in _leaves(v)] if isinstance(x, list) else [x]


def _shapes(x):
    return [_shapes(v) for v in x] if isinstance(x, list) else x.shape


def _map(fn, x):
    return [_map(fn, v) for v in x] if isinstance(x, list) else fn(x)


@pytest.mark.parametrize("nested", [True, False], ids=["listed", "bare"])
def test_one_step_takes_and_returns_states_per_cell_as_in_keras(nested):
    ours = StackedRNNCells([LSTMCell(3), GRUCell(2)])
    theirs = keras.layers.StackedRNNCells([keras.layers.LSTMCell(3), keras.layers.GRUCell(2)])
    ours.build((None, 5))
    theirs.build((None, 5))
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(2)
    h1, c1 = (rng.standard_normal((3, 3)).astype("float32") for _ in range(2))
    h2 = rng.standard_normal((3, 2)).astype("float32")
    states = [[h1, c1], [h2] if nested else h2]
    x = cases.X[:, 0]
    got = _to_numpy(ours.call(torch.from_numpy(x), _map(torch.from_numpy, states)))
    want = _to_numpy(theirs.call(keras.ops.convert_to_tensor(x),
                                 _map(keras.ops.convert_to_tensor, states)))
    assert _shapes(got) == _shapes(want)  # the GRU's state comes back as it went in
    for a, b in zip(_leaves(got), _leaves(want)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_one_step_with_states_not_per_cell_is_refused():
    stacked = StackedRNNCells([LSTMCell(3), GRUCell(2)])
    stacked.build((None, 5))
    zeros = [torch.zeros(3, 3), torch.zeros(3, 3), torch.zeros(3, 2)]
    with pytest.raises(ValueError, match=r"one entry of states per cell \(2, nested as "
                                         r"state_size \[\[3, 3\], 2\]\); got 3"):
        stacked.call(torch.zeros(3, 5), zeros)


def test_config_round_trip():
    stacked = StackedRNNCells([LSTMCell(4), GRUCell(3)])
    clone = StackedRNNCells.from_config(stacked.get_config())
    assert [type(c).__name__ for c in clone.cells] == ["LSTMCell", "GRUCell"]
    assert clone.get_config() == stacked.get_config()


def test_bad_cell_is_refused():
    with pytest.raises(ValueError, match="every cell needs call"):
        StackedRNNCells([object()])
    with pytest.raises(ValueError, match=r"needs a cell with call\(inputs, states\)"):
        sloi.layers.RNN(object())


def test_each_sequence_draws_new_dropout_masks_as_in_keras():
    # Keras draws a stacked cell's masks per call; a batch of another size used to meet the
    # masks kept from the last one
    x = torch.from_numpy(cases.X)
    for lib in (keras, sloi):
        layer = lib.layers.RNN([lib.layers.LSTMCell(4, dropout=0.5, recurrent_dropout=0.5),
                                lib.layers.GRUCell(3, dropout=0.5)])
        first = layer(x, training=True)
        assert tuple(layer(x[:2], training=True).shape) == (2, 3)
        again = layer(x, training=True)
        assert not np.allclose(_to_numpy(first), _to_numpy(again))
