import keras
import numpy as np
import pytest

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


def test_list_of_cells_is_stacked_and_states_are_flat():
    layer = RNN([LSTMCell(4), GRUCell(3)], return_state=True)
    out, h1, c1, h2 = layer(cases.X)
    assert out.shape == (3, 3) and h1.shape == c1.shape == (3, 4) and h2.shape == (3, 3)
    np.testing.assert_allclose(out.detach().numpy(), h2.detach().numpy())


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
