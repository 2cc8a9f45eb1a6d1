import numpy as np
import pytest
import torch

import sloi
from sloi.layers import GRU, GRUCell
from tests.layers.recurrent import recurrent_cases as cases


def test_gru_conformance():
    cases.conformance("GRU", 4, state_count=1)


@pytest.mark.parametrize("kwargs,path", [
    ({"units": 4}, "fused"),
    ({"units": 4, "return_sequences": True, "bias_initializer": "random_normal"}, "fused"),
    ({"units": 4, "return_state": True}, "fused"),
    ({"units": 4, "go_backwards": True, "return_sequences": True}, "fused"),
    ({"units": 4, "use_bias": False}, "fused"),
    # no native kernel, but the hand-written backward (sloi.kernels.rnn_backward)
    ({"units": 4, "reset_after": False, "bias_initializer": "random_normal"}, "fused"),
    ({"units": 4, "reset_after": False, "use_bias": False}, "fused"),
    ({"units": 4, "activation": "relu", "return_sequences": True}, "loop"),
])
def test_gru_matches_keras(kwargs, path):
    cases.assert_matches_keras("GRU", kwargs, path=path)


@pytest.mark.parametrize("mask_name,path", [("RIGHT", "fused"), ("LEFT", "loop")])
@pytest.mark.parametrize("kwargs", [
    {"units": 4}, {"units": 4, "return_sequences": True},
    {"units": 4, "return_sequences": True, "reset_after": False},
])
def test_gru_masks_match_keras(kwargs, mask_name, path):
    cases.assert_matches_keras("GRU", kwargs, mask=getattr(cases, mask_name), path=path)


def test_gru_bias_layout():
    layer = GRU(3)
    layer(cases.X)
    assert [w.shape for w in layer.get_weights()] == [(5, 9), (3, 9), (2, 9)]
    old = GRU(3, reset_after=False)
    old(cases.X)
    assert old.get_weights()[2].shape == (9,)


def test_gru_fused_path_equals_step_loop_with_gradients():
    cases.fused_equals_loop("GRU", {"units": 4, "return_sequences": True,
                                    "bias_initializer": "random_normal"})
    cases.fused_equals_loop("GRU", {"units": 4}, mask=cases.RIGHT)


def test_gru_stateful():
    cases.stateful_carries_states("GRU")


def test_gru_errors():
    cases.errors("GRU")


def test_gru_cell_in_rnn_wrapper_equals_gru():
    layer = GRU(4)
    wrapped = sloi.layers.RNN(GRUCell(4), return_sequences=True)
    layer_seq = GRU(4, return_sequences=True)
    layer_seq(cases.X)
    wrapped(cases.X)
    wrapped.set_weights(layer_seq.get_weights())
    torch.testing.assert_close(wrapped(cases.X), layer_seq(cases.X))
    assert layer(np.zeros((1, 2, 5), "float32")).shape == (1, 4)


@pytest.mark.parametrize("variant", cases.VARIANTS)
@pytest.mark.parametrize("reset_after", [True, False], ids=["reset_after", "reset_before"])
def test_gru_hand_written_backward_equals_the_other_paths(reset_after, variant):
    cases.fused_backward_agrees("GRU", {"units": 4, "reset_after": reset_after}, variant,
                                native=reset_after)


@pytest.mark.parametrize("mask", [None, cases.RIGHT], ids=["unmasked", "right-padded"])
@pytest.mark.parametrize("kwargs", [
    {"units": 4, "return_sequences": True},
    {"units": 4, "reset_after": False, "return_sequences": True},
    {"units": 4, "go_backwards": True},
    {"units": 4, "reset_after": False, "return_state": True},
])
def test_gru_hand_written_backward_matches_keras_gradients(kwargs, mask):
    if mask is not None and kwargs.get("go_backwards"):
        pytest.skip("a mask with go_backwards runs the step loop")
    cases.fused_backward_matches_keras("GRU", kwargs, mask)


def test_gru_fallbacks_from_the_hand_written_backward():
    """Left-padded masks and recurrent dropout in training keep the step loop; other
    activations too; ``fused_backward = False`` gives torch's native kernel back."""
    x = torch.from_numpy(cases.X)
    layer = GRU(4)
    layer(x, mask=torch.from_numpy(cases.LEFT))
    assert layer.last_path == "loop"
    layer(x)
    assert layer.last_path == "fused_backward"
    layer.fused_backward = False
    layer(x)
    assert layer.last_path == "fused"
    dropping = GRU(4, recurrent_dropout=0.5)
    dropping(x, training=True)
    assert dropping.last_path == "loop"
    relu = GRU(4, activation="relu")
    relu(x)
    assert relu.last_path == "loop"
    with torch.no_grad():  # inference: the native kernel (reset_after=False: its own loop)
        layer.fused_backward = True
        layer(x)
        assert layer.last_path == "fused"
        old = GRU(4, reset_after=False)
        old(x)
        assert old.last_path == "fused_backward"


def test_cell_initial_state_as_in_keras():
    cases.check_cell_initial_state("GRU")
