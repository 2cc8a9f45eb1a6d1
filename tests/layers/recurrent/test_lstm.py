import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import LSTM, LSTMCell
from tests.layers.recurrent import recurrent_cases as cases


def test_lstm_conformance():
    cases.conformance("LSTM", 4, state_count=2)


@pytest.mark.parametrize("kwargs,path", [
    ({"units": 4}, "fused"),
    ({"units": 4, "return_sequences": True}, "fused"),
    ({"units": 4, "return_state": True}, "fused"),
    ({"units": 4, "go_backwards": True, "return_sequences": True}, "fused"),
    ({"units": 4, "use_bias": False}, "fused"),
    ({"units": 4, "unit_forget_bias": False, "bias_initializer": "random_normal"}, "fused"),
    ({"units": 4, "activation": "relu"}, "loop"),
    ({"units": 4, "recurrent_activation": "hard_sigmoid", "return_sequences": True}, "loop"),
])
def test_lstm_matches_keras(kwargs, path):
    cases.assert_matches_keras("LSTM", kwargs, path=path)


@pytest.mark.parametrize("mask_name,path", [("RIGHT", "fused"), ("LEFT", "loop")])
@pytest.mark.parametrize("kwargs", [
    {"units": 4}, {"units": 4, "return_sequences": True},
    {"units": 4, "return_sequences": True, "go_backwards": True},
    {"units": 4, "return_state": True},
])
def test_lstm_masks_match_keras(kwargs, mask_name, path):
    expected_path = "loop" if kwargs.get("go_backwards") else path
    cases.assert_matches_keras("LSTM", kwargs, mask=getattr(cases, mask_name),
                               path=expected_path)


def test_lstm_weight_layout_and_forget_bias():
    layer = LSTM(3)
    layer(cases.X)
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (5, 12) and recurrent.shape == (3, 12) and bias.shape == (12,)
    np.testing.assert_array_equal(bias, [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])
    np.testing.assert_allclose(recurrent @ recurrent.T, np.eye(3), atol=1e-5)  # orthogonal
    assert [p for p, _ in layer.weights_with_paths()] == [
        "lstm/lstm_cell/kernel", "lstm/lstm_cell/recurrent_kernel", "lstm/lstm_cell/bias"]


def test_lstm_fused_path_equals_step_loop_with_gradients():
    cases.fused_equals_loop("LSTM", {"units": 4, "return_sequences": True})
    cases.fused_equals_loop("LSTM", {"units": 4}, mask=cases.RIGHT)
    cases.fused_equals_loop("LSTM", {"units": 4, "go_backwards": True})


def test_lstm_initial_state_and_return_state_in_a_model():
    x = sloi.Input(shape=(7, 5))
    h0, c0 = sloi.Input(shape=(4,)), sloi.Input(shape=(4,))
    out, h, c = LSTM(4, return_state=True)(x, initial_state=[h0, c0])
    assert out.shape == h.shape == c.shape == (None, 4)
    model = sloi.Model([x, h0, c0], [out, h, c])
    states = [np.full((3, 4), 0.5, "float32"), np.full((3, 4), -0.2, "float32")]
    ours = model([cases.X] + states)
    theirs = cases.keras_twin(model.layers[-1], keras.layers.LSTM, {"units": 4,
                                                                     "return_state": True})
    expected = theirs(cases.X, initial_state=states)
    for a, b in zip(ours, expected):
        np.testing.assert_allclose(a.detach().numpy(), b.detach().numpy(), atol=1e-5)


def test_lstm_stateful():
    cases.stateful_carries_states("LSTM")


def test_lstm_errors():
    cases.errors("LSTM")


def test_lstm_dropout_in_training_only_and_recurrent_dropout_uses_loop():
    layer = LSTM(4, dropout=0.5, recurrent_dropout=0.3)
    x = torch.from_numpy(cases.X)
    inference, taken = cases.run_and_path(layer, x)
    assert taken == "fused"
    torch.testing.assert_close(layer(x), inference)  # no dropout outside training
    torch.manual_seed(0)
    trained, taken = cases.run_and_path(layer, x, training=True)
    assert taken == "loop" and not torch.allclose(trained, inference)


def test_lecture_lstm_parameter_counts():
    def variant(K, return_sequences):
        model = K.Sequential()
        model.add(K.layers.Embedding(50, 10, input_length=1000))
        model.add(K.layers.LSTM(32, return_sequences=return_sequences))
        return model

    for rs, shape in [(False, (None, 32)), (True, (None, 1000, 32))]:
        model = variant(sloi, rs)
        assert model.output_shape == shape
        assert model.count_params() == 6004


def test_lstm_cell_in_rnn_wrapper_equals_lstm():
    layer = LSTM(4)
    wrapped = sloi.layers.RNN(LSTMCell(4))
    out = layer(cases.X)
    wrapped(cases.X)
    wrapped.set_weights(layer.get_weights())
    torch.testing.assert_close(wrapped(cases.X), out)


def test_cell_initial_state_as_in_keras():
    cases.check_cell_initial_state("LSTM")
