import pytest
import torch

import sloi
from sloi.kernels import rnn_backward
from sloi.layers import SimpleRNN, SimpleRNNCell
from tests.layers.recurrent import recurrent_cases as cases


def test_simple_rnn_conformance():
    cases.conformance("SimpleRNN", 4, state_count=1)


@pytest.mark.parametrize("kwargs,path", [
    ({"units": 4}, "fused"),
    ({"units": 4, "activation": "relu", "return_sequences": True}, "fused"),
    ({"units": 4, "return_state": True, "bias_initializer": "random_normal"}, "fused"),
    ({"units": 4, "go_backwards": True, "return_sequences": True}, "fused"),
    ({"units": 4, "use_bias": False}, "fused"),
    ({"units": 4, "activation": "sigmoid"}, "loop"),
])
def test_simple_rnn_matches_keras(kwargs, path):
    cases.assert_matches_keras("SimpleRNN", kwargs, path=path)


@pytest.mark.parametrize("mask_name,path", [("RIGHT", "fused"), ("LEFT", "loop")])
def test_simple_rnn_masks_match_keras(mask_name, path):
    cases.assert_matches_keras("SimpleRNN", {"units": 4, "return_sequences": True},
                               mask=getattr(cases, mask_name), path=path)


def test_simple_rnn_fused_path_equals_step_loop_with_gradients():
    cases.fused_equals_loop("SimpleRNN", {"units": 4, "return_sequences": True})
    cases.fused_equals_loop("SimpleRNN", {"units": 4, "activation": "relu"}, mask=cases.RIGHT)


def test_simple_rnn_stateful():
    cases.stateful_carries_states("SimpleRNN")


def test_simple_rnn_errors():
    cases.errors("SimpleRNN")


def test_simple_rnn_cell_in_rnn_wrapper():
    layer = SimpleRNN(4)
    wrapped = sloi.layers.RNN(SimpleRNNCell(4))
    out = layer(cases.X)
    wrapped(cases.X)
    wrapped.set_weights(layer.get_weights())
    wrapped_out, taken = cases.run_and_path(wrapped, cases.X)
    torch.testing.assert_close(wrapped_out, out)
    assert taken == "fused"


@pytest.mark.parametrize("variant", cases.VARIANTS)
@pytest.mark.parametrize("activation", ["tanh", "relu"])
def test_simple_rnn_hand_written_backward_equals_the_other_paths(activation, variant):
    cases.fused_backward_agrees("SimpleRNN", {"units": 4, "activation": activation}, variant)


@pytest.mark.parametrize("mask", [None, cases.RIGHT], ids=["unmasked", "right-padded"])
@pytest.mark.parametrize("kwargs", [
    {"units": 4, "return_sequences": True},
    {"units": 4, "activation": "relu", "return_state": True},
    {"units": 4, "go_backwards": True, "use_bias": False},
])
def test_simple_rnn_hand_written_backward_matches_keras_gradients(kwargs, mask):
    if mask is not None and kwargs.get("go_backwards"):
        pytest.skip("a mask with go_backwards runs the step loop")
    cases.fused_backward_matches_keras("SimpleRNN", kwargs, mask)


def test_simple_rnn_short_sequences_train_through_the_native_kernel(monkeypatch,
                                                                   default_pays):
    """By default a sequence shorter than ``rnn_backward.MIN_STEPS`` trains through autograd
    and torch's native kernel (faster there), a longer one through the hand-written backward;
    both give the same outputs and gradients."""
    monkeypatch.setattr(rnn_backward, "pays", default_pays)
    need = rnn_backward.MIN_STEPS["rnn_tanh"]
    torch.manual_seed(0)
    layer = SimpleRNN(4, return_sequences=True)
    twin = SimpleRNN(4, return_sequences=True)
    for steps, path in ((need - 1, "fused"), (need, "fused_backward")):
        x = torch.randn(3, steps, 5)
        layer(x)
        twin(x)
        twin.set_weights(layer.get_weights())
        twin.fused_backward = False
        out = layer(x)
        assert layer.last_path == path
        out.pow(2).sum().backward()
        expected = twin(x)
        assert twin.last_path == "fused"
        expected.pow(2).sum().backward()
        torch.testing.assert_close(out, expected)
        for ours, theirs in zip(layer.parameters(), twin.parameters()):
            torch.testing.assert_close(ours.grad, theirs.grad)
            ours.grad = theirs.grad = None
        with torch.no_grad():  # inference: sloi's own loop from INFERENCE_MIN_STEPS on
            layer(x)
        long = steps >= rnn_backward.INFERENCE_MIN_STEPS
        assert layer.last_path == ("fused_backward" if long else "fused")


def test_simple_rnn_other_activations_keep_the_step_loop():
    layer = SimpleRNN(4, activation="sigmoid")
    layer(cases.X)
    assert layer.last_path == "loop"


def test_cell_initial_state_as_in_keras():
    cases.check_cell_initial_state("SimpleRNN")
