import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import GRU, LSTM, Bidirectional, Dense, SimpleRNN
from tests.conformance import assert_gradients_match_keras, run_layer_test
from tests.layers.recurrent import recurrent_cases as cases


def _compare(name, kwargs, merge_mode, mask, expected_path=None):
    ours = Bidirectional(getattr(sloi.layers, name)(4, **kwargs), merge_mode=merge_mode)
    out, taken = cases.run_and_path(ours, cases.X,
                                    mask=None if mask is None else torch.from_numpy(mask))
    if expected_path:
        assert taken == expected_path
    theirs = keras.layers.Bidirectional(getattr(keras.layers, name)(4, **kwargs),
                                        merge_mode=merge_mode)
    theirs(cases.X)
    theirs.set_weights(ours.get_weights())
    expected = theirs(cases.X, mask=mask)
    a, b = cases.as_list(out), cases.as_list(expected)
    assert len(a) == len(b)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
@pytest.mark.parametrize("kwargs", [{}, {"return_sequences": True}, {"return_state": True},
                                    {"return_sequences": True, "return_state": True}])
@pytest.mark.parametrize("merge_mode", ["concat", "sum", "mul", "ave", None])
def test_bidirectional_matches_keras_on_the_fused_path(name, kwargs, merge_mode):
    _compare(name, kwargs, merge_mode, None, expected_path="fused")


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("kwargs", [{}, {"return_sequences": True}])
@pytest.mark.parametrize("mask_name,path", [("RIGHT", "fused"), ("LEFT", "separate")])
def test_bidirectional_masks_match_keras(name, kwargs, mask_name, path):
    _compare(name, kwargs, "concat", getattr(cases, mask_name), expected_path=path)


def test_bidirectional_separate_path_for_custom_activation_matches_keras():
    _compare("GRU", {"activation": "relu", "return_sequences": True}, "concat", None,
             expected_path="separate")


def test_bidirectional_conformance():
    run_layer_test(Bidirectional, {"layer": LSTM(4, return_sequences=True)},
                   input_shape=(3, 7, 5), expected_output_shape=(3, 7, 8),
                   expected_num_trainable_weights=6, supports_masking=True)


def test_bidirectional_weight_names_and_order():
    layer = Bidirectional(LSTM(3))
    layer(cases.X)
    assert [p for p, _ in layer._weights_with_paths()][::3] == [
        "bidirectional/forward_lstm/lstm_cell/kernel",
        "bidirectional/backward_lstm/lstm_cell/kernel",
    ]


def lecture_bidirectional(K):
    model = K.Sequential()
    model.add(K.layers.Bidirectional(K.layers.LSTM(64, return_sequences=True),
                                     input_shape=(5, 10)))
    model.add(K.layers.Bidirectional(K.layers.LSTM(32)))
    model.add(K.layers.Dense(10))
    return model


def test_lecture_bidirectional_model_matches_keras():
    from tests.parity import assert_same_model

    x = np.random.default_rng(3).standard_normal((4, 5, 10)).astype("float32")
    ours, _ = assert_same_model(lecture_bidirectional, x)
    assert ours.count_params() == 80266
    assert ours.output_shape == (None, 10)


def test_bidirectional_initial_state_split_forward_then_backward():
    layer = Bidirectional(GRU(4, return_sequences=True))
    states = [torch.full((3, 4), 0.3), torch.full((3, 4), -0.4)]
    out = layer(cases.X, initial_state=states)
    theirs = keras.layers.Bidirectional(keras.layers.GRU(4, return_sequences=True))
    theirs(cases.X)
    theirs.set_weights(layer.get_weights())
    expected = theirs(cases.X, initial_state=[s.numpy() for s in states])
    np.testing.assert_allclose(out.detach().numpy(), expected.detach().numpy(), atol=1e-5)
    with pytest.raises(ValueError, match=r"expects initial_state to hold 2 tensors"):
        layer(cases.X, initial_state=states[:1])


def test_bidirectional_errors():
    with pytest.raises(ValueError, match=r'wraps recurrent layers .*got Dense "dense"'):
        Bidirectional(Dense(3))
    with pytest.raises(ValueError, match="merge_mode must be one of"):
        Bidirectional(LSTM(3), merge_mode="max")
    with pytest.raises(ValueError, match="go_backwards is False on both layers"):
        Bidirectional(LSTM(3), backward_layer=LSTM(3))
    with pytest.raises(ValueError, match="return_sequences of the forward layer"):
        Bidirectional(LSTM(3), backward_layer=LSTM(3, go_backwards=True, return_sequences=True))


def test_bidirectional_with_explicit_backward_layer_matches_keras():
    ours = Bidirectional(LSTM(4), backward_layer=SimpleRNN(4, go_backwards=True))
    out, taken = cases.run_and_path(ours, cases.X)
    assert out.shape == (3, 8) and taken == "separate"
    theirs = keras.layers.Bidirectional(
        keras.layers.LSTM(4), backward_layer=keras.layers.SimpleRNN(4, go_backwards=True))
    theirs(cases.X)
    theirs.set_weights(ours.get_weights())
    np.testing.assert_allclose(out.detach().numpy(), theirs(cases.X).detach().numpy(), atol=1e-5)


def test_fused_bidirectional_gradients_equal_separate_path():
    torch.manual_seed(0)
    fused = Bidirectional(LSTM(4, return_sequences=True))
    x = torch.from_numpy(cases.X).requires_grad_()
    out = fused(x)
    sep = Bidirectional(LSTM(4, return_sequences=True))
    sep(cases.X)
    sep.set_weights(fused.get_weights())
    sep.forward_layer.cell.fused_spec = lambda: None
    x2 = torch.from_numpy(cases.X).requires_grad_()
    out2, taken = cases.run_and_path(sep, x2)
    assert taken == "separate"
    weights = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
    (out * weights).sum().backward()
    (out2 * weights).sum().backward()
    torch.testing.assert_close(out, out2, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(x.grad, x2.grad, atol=1e-5, rtol=1e-5)
    for p, q in zip(fused.trainable_weights, sep.trainable_weights):
        torch.testing.assert_close(p.grad, q.grad, atol=1e-5, rtol=1e-5)


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_stateful_reset_states_matches_keras(name):
    x = np.random.default_rng(1).normal(size=(2, 3, 5)).astype("float32")
    ours = Bidirectional(getattr(sloi.layers, name)(4, stateful=True))
    theirs = keras.layers.Bidirectional(getattr(keras.layers, name)(4, stateful=True))
    ours(torch.from_numpy(x))
    theirs(x)
    theirs.reset_states()
    ours.reset_states()
    theirs.set_weights(ours.get_weights())
    outputs = []
    for layer in (ours, theirs):
        first = layer(x)
        carried = layer(x)  # starts from the first call's states
        layer.reset_states()
        fresh = layer(x)  # starts from zeros again, both directions
        outputs.append([keras.ops.convert_to_numpy(t) for t in (first, carried, fresh)])
    for a, b in zip(*outputs):
        np.testing.assert_allclose(a, b, atol=1e-5)
    assert not np.allclose(outputs[0][0], outputs[0][1])  # the states were carried
    np.testing.assert_allclose(outputs[0][0], outputs[0][2], atol=1e-6)
    assert ours.states is not None and len(ours.states) == len(theirs.states)


def test_reset_states_needs_stateful():
    with pytest.raises(AttributeError):
        keras.layers.Bidirectional(keras.layers.LSTM(4)).reset_states()
    with pytest.raises(AttributeError, match='"bidi" \\(Bidirectional\\) is not stateful'):
        Bidirectional(LSTM(4), name="bidi").reset_states()


@pytest.mark.parametrize("mask", [None, cases.RIGHT], ids=["unmasked", "right-padded"])
@pytest.mark.parametrize("merge_mode,return_state", [("concat", False), ("sum", True),
                                                     ("concat", True)])
@pytest.mark.parametrize("name,kwargs", [
    ("GRU", {}), ("GRU", {"reset_after": False}), ("SimpleRNN", {}),
    ("SimpleRNN", {"activation": "relu", "use_bias": False}),
])
def test_bidirectional_hand_written_backward_equals_the_other_paths(name, kwargs, merge_mode,
                                                                    return_state, mask):
    """Both directions on the hand-written backward (one call, the backward direction read
    from each sequence's last valid step), against torch's bidirectional kernel through
    autograd and against the two directions' step loops."""
    def make():
        inner = getattr(sloi.layers, name)(4, return_sequences=True, return_state=return_state,
                                           bias_initializer="random_normal", **kwargs)
        return Bidirectional(inner, merge_mode=merge_mode)

    states = [cases.rng.standard_normal((3, 4)) for _ in range(2)] if return_state else None
    native = kwargs.get("reset_after", True)
    paths = ("fused_backward", "fused", "loop") if native else ("fused_backward", "loop")
    cases.paths_agree(make, cases.X, mask=mask, initial_state=states, paths=paths)


@pytest.mark.parametrize("mask", [None, cases.RIGHT], ids=["unmasked", "right-padded"])
@pytest.mark.parametrize("name,kwargs", [("GRU", {}), ("GRU", {"reset_after": False}),
                                         ("SimpleRNN", {})])
def test_bidirectional_hand_written_backward_matches_keras_gradients(name, kwargs, mask):
    made = []

    def make(**kw):
        made.append(Bidirectional(getattr(sloi.layers, name)(4, return_sequences=True,
                                                             **kwargs)))
        return made[-1]

    theirs = getattr(keras.layers, name)(4, return_sequences=True, **kwargs)
    call = {} if mask is None else {"mask": torch.from_numpy(mask)}
    assert_gradients_match_keras(make, keras.layers.Bidirectional, {}, cases.X,
                                 keras_kwargs={"layer": theirs}, **call)
    assert made[0].last_path == "fused_backward"


def test_bidirectional_fused_backward_switch_sets_both_directions():
    layer = Bidirectional(sloi.layers.GRU(4))
    layer(cases.X)
    assert layer.last_path == "fused_backward"
    layer.fused_backward = False
    assert not layer.forward_layer.fused_backward and not layer.backward_layer.fused_backward
    layer(cases.X)
    assert layer.last_path == "fused"
