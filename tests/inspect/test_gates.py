"""lstm_gates / gru_gates: the hidden states equal the layer's own outputs, and the gates are
the ones in the formulas (checked by rebuilding c and h from them)."""

import numpy as np
import pytest
import torch

from sloi import layers
from sloi.inspect import gru_gates, lstm_gates

rng = np.random.default_rng(0)
X = rng.standard_normal((3, 6, 5)).astype("float32")
UNITS = 4


def outputs(layer, x, **kwargs):
    with torch.no_grad():
        return layer(torch.from_numpy(x), **kwargs)


def assert_close(a, b):
    np.testing.assert_allclose(a, np.asarray(b), atol=1e-6, rtol=0)


def test_lstm_hidden_equals_outputs_and_gates_make_the_cell():
    lstm = layers.LSTM(UNITS, return_sequences=True)
    y = outputs(lstm, X)
    g = lstm_gates(lstm, X)
    assert set(g) == {"input", "forget", "cell_candidate", "output", "cell", "hidden"}
    assert all(v.shape == (3, 6, UNITS) and isinstance(v, np.ndarray) for v in g.values())
    assert_close(g["hidden"], y)
    # the recurrence written out with the returned gates
    c_prev = np.concatenate([np.zeros((3, 1, UNITS), "float32"), g["cell"][:, :-1]], axis=1)
    assert_close(g["cell"], g["forget"] * c_prev + g["input"] * g["cell_candidate"])
    assert_close(g["hidden"], g["output"] * np.tanh(g["cell"]))
    for gate in ("input", "forget", "output"):
        assert ((g[gate] > 0) & (g[gate] < 1)).all()


def test_lstm_final_states_and_initial_state():
    lstm = layers.LSTM(UNITS, return_state=True)
    h0, c0 = (torch.from_numpy(rng.standard_normal((3, UNITS)).astype("float32"))
              for _ in range(2))
    _, h, c = outputs(lstm, X, initial_state=[h0, c0])
    g = lstm_gates(lstm, X, initial_state=[h0, c0])
    assert_close(g["hidden"][:, -1], h)
    assert_close(g["cell"][:, -1], c)


def test_lstm_go_backwards_and_a_mask():
    lstm = layers.LSTM(UNITS, return_sequences=True, go_backwards=True)
    assert_close(lstm_gates(lstm, X)["hidden"], outputs(lstm, X))
    forward = layers.LSTM(UNITS, return_sequences=True)
    mask = np.ones((3, 6), bool)
    mask[1, 4:] = False
    mask[2, 1] = False  # not right-padded: the layer takes its step loop
    g = lstm_gates(forward, X, mask=mask)
    assert_close(g["hidden"], outputs(forward, X, mask=torch.from_numpy(mask)))
    assert np.isnan(g["forget"][1, 4:]).all() and not np.isnan(g["forget"][0]).any()


@pytest.mark.parametrize("reset_after", [True, False])
def test_gru_hidden_equals_outputs(reset_after):
    gru = layers.GRU(UNITS, return_sequences=True, reset_after=reset_after)
    g = gru_gates(gru, X)
    assert set(g) == {"update", "reset", "candidate", "hidden"}
    assert_close(g["hidden"], outputs(gru, X))
    h_prev = np.concatenate([np.zeros((3, 1, UNITS), "float32"), g["hidden"][:, :-1]], axis=1)
    assert_close(g["hidden"], g["update"] * h_prev + (1 - g["update"]) * g["candidate"])
    mask = np.ones((3, 6), bool)
    mask[0, 3:] = False
    assert_close(gru_gates(gru, X, mask=mask)["hidden"],
                 outputs(gru, X, mask=torch.from_numpy(mask)))


def test_gru_without_bias_and_with_initial_state():
    gru = layers.GRU(UNITS, return_sequences=True, use_bias=False)
    h0 = torch.from_numpy(rng.standard_normal((3, UNITS)).astype("float32"))
    assert_close(gru_gates(gru, X, initial_state=[h0])["hidden"],
                 outputs(gru, X, initial_state=[h0]))


@pytest.mark.parametrize("kind", ["lstm", "gru"])
def test_bidirectional_gives_both_directions_in_input_order(kind):
    inner = layers.LSTM(UNITS, return_sequences=True) if kind == "lstm" else layers.GRU(
        UNITS, return_sequences=True)
    bi = layers.Bidirectional(inner)
    y = outputs(bi, X).numpy()
    g = (lstm_gates if kind == "lstm" else gru_gates)(bi, X)
    assert set(g) == {"forward", "backward"}
    assert_close(g["forward"]["hidden"], y[..., :UNITS])
    assert_close(g["backward"]["hidden"], y[..., UNITS:])


def test_unbuilt_layer_is_built_and_numpy_or_tensor_input():
    lstm = layers.LSTM(UNITS, return_sequences=True)
    g = lstm_gates(lstm, torch.from_numpy(X))
    assert lstm.built
    assert_close(g["hidden"], outputs(lstm, X))


def test_errors_name_the_layer_and_shapes():
    with pytest.raises(TypeError, match=r'lstm_gates expects an LSTM layer .*GRU "gru"'):
        lstm_gates(layers.GRU(2, name="gru"), X)
    with pytest.raises(TypeError, match=r"gru_gates expects a GRU layer .*Dense"):
        gru_gates(layers.Dense(2), X)
    lstm = layers.LSTM(2, name="mem")
    outputs(lstm, X)
    with pytest.raises(ValueError, match=r'"mem" reads sequences .* got x of shape \(6, 5\)'):
        lstm_gates(lstm, X[0])
    with pytest.raises(ValueError, match=r'"mem" was built for 5 features; got x of shape'):
        lstm_gates(lstm, X[..., :3])
    with pytest.raises(ValueError, match=r"mask of shape \(batch, timesteps\) = \(3, 6\)"):
        lstm_gates(lstm, X, mask=np.ones((3, 5), bool))
    with pytest.raises(ValueError, match="initial_state as 2 tensor"):
        lstm_gates(lstm, X, initial_state=[torch.zeros(3, 2)])
