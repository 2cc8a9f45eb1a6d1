import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.kernels import rnn as rnn_ops
from sloi.kernels.conv import conv
from sloi.layers import ConvLSTM2D, ConvLSTM2DCell
from tests.conformance import run_layer_test
from tests.parity import assert_same_model

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 4, 6, 6, 3)).astype("float32")  # (batch, time, rows, cols, channels)
X_CF = np.ascontiguousarray(X.transpose(0, 1, 4, 2, 3))  # (batch, time, channels, rows, cols)
RIGHT = np.array([[1, 1, 0, 0], [1, 1, 1, 1]], bool)  # right-padded
HOLES = np.array([[0, 1, 0, 1], [1, 1, 1, 0]], bool)  # anything else


def as_list(out):
    return [o.detach().numpy() if isinstance(o, torch.Tensor) else np.asarray(o)
            for o in (out if isinstance(out, (list, tuple)) else [out])]


def assert_matches_keras(kwargs, x=X, mask=None, initial_state=None):
    """sloi and Keras on the same random weights (a non-trivial bias too)."""
    ours = ConvLSTM2D(**kwargs)
    ours(x)
    ours.set_weights([w + 0.3 * rng.standard_normal(w.shape).astype("float32")
                      for w in ours.get_weights()])
    theirs = keras.layers.ConvLSTM2D(**kwargs)
    theirs(x)
    assert [w.shape for w in theirs.get_weights()] == [w.shape for w in ours.get_weights()]
    theirs.set_weights(ours.get_weights())
    torch_mask = None if mask is None else torch.from_numpy(mask)
    torch_states = None if initial_state is None else [torch.from_numpy(s) for s in initial_state]
    with torch.no_grad():
        out = ours(x, mask=torch_mask, initial_state=torch_states)
    expected = theirs(x, mask=mask, initial_state=initial_state)
    a, b = as_list(out), as_list(expected)
    assert len(a) == len(b)
    for p, q in zip(a, b):
        assert p.shape == q.shape
        np.testing.assert_allclose(p, q, atol=1e-5, rtol=1e-5)
    return ours


# ---------------------------------------------------------------------- conformance
@pytest.mark.parametrize("kwargs,x_shape,out_shape", [
    ({"filters": 2, "kernel_size": 3}, (2, 4, 6, 6, 3), (2, 4, 4, 2)),
    ({"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True},
     (2, 4, 6, 6, 3), (2, 4, 6, 6, 2)),
    ({"filters": 3, "kernel_size": (2, 3), "strides": 2}, (2, 4, 6, 7, 1), (2, 3, 3, 3)),
    ({"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, (2, 4, 3, 6, 5),
     (2, 2, 4, 3)),
    ({"filters": 2, "kernel_size": 3, "return_state": True, "return_sequences": True},
     (2, 4, 6, 6, 3), [(2, 4, 4, 4, 2), (2, 4, 4, 2), (2, 4, 4, 2)]),
])
def test_conv_lstm2d_conformance(kwargs, x_shape, out_shape):
    run_layer_test(ConvLSTM2D, kwargs, input_shape=x_shape, expected_output_shape=out_shape,
                   expected_num_trainable_weights=3, supports_masking=True,
                   keras_layer_cls=keras.layers.ConvLSTM2D)


def test_conv_lstm2d_cell_conformance_and_config():
    cell = ConvLSTM2DCell(2, 3, padding="same", dropout=0.25, seed=3)
    config = cell.get_config()
    assert ConvLSTM2DCell.from_config(config).get_config() == config
    assert config["kernel_size"] == (3, 3) and config["padding"] == "same"
    layer = ConvLSTM2D(2, 3, strides=(1, 2), recurrent_dropout=0.5)
    assert ConvLSTM2D.from_config(layer.get_config()).get_config() == layer.get_config()
    assert layer.strides == (1, 2) and layer.recurrent_dropout == 0.5  # read through the cell


# ---------------------------------------------------------------------- Keras parity
@pytest.mark.parametrize("kwargs", [
    {"filters": 2, "kernel_size": 3},
    {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True},
    {"filters": 2, "kernel_size": 2, "padding": "same", "strides": 2},  # odd padding pixel
    {"filters": 2, "kernel_size": 3, "strides": (2, 1), "return_sequences": True},
    {"filters": 2, "kernel_size": (3, 2), "dilation_rate": 2, "return_sequences": True},
    {"filters": 2, "kernel_size": 3, "go_backwards": True, "return_sequences": True},
    {"filters": 2, "kernel_size": 3, "padding": "same", "return_state": True},
    {"filters": 2, "kernel_size": 3, "use_bias": False},
    {"filters": 2, "kernel_size": 3, "activation": "relu",
     "recurrent_activation": "hard_sigmoid", "return_sequences": True},
])
def test_conv_lstm2d_matches_keras(kwargs):
    assert_matches_keras(kwargs)


@pytest.mark.parametrize("kwargs", [
    {"filters": 2, "kernel_size": 3, "data_format": "channels_first"},
    {"filters": 2, "kernel_size": 2, "padding": "same", "data_format": "channels_first",
     "return_sequences": True, "return_state": True},
])
def test_conv_lstm2d_channels_first_matches_keras(kwargs):
    ours = assert_matches_keras(kwargs, x=X_CF)
    # and it is the channels-last layer on transposed data
    last = ConvLSTM2D(**{**kwargs, "data_format": "channels_last"})
    last(X)
    last.set_weights(ours.get_weights())
    with torch.no_grad():
        a, b = as_list(ours(X_CF)), as_list(last(X))
    for p, q in zip(a, b):
        np.testing.assert_allclose(np.moveaxis(p, -3, -1), q, atol=1e-5)


@pytest.mark.parametrize("mask", [RIGHT, HOLES], ids=["right", "holes"])
@pytest.mark.parametrize("kwargs", [
    {"filters": 2, "kernel_size": 3, "padding": "same"},
    {"filters": 2, "kernel_size": 3, "return_sequences": True},
    {"filters": 2, "kernel_size": 3, "return_sequences": True, "go_backwards": True},
    {"filters": 2, "kernel_size": 3, "return_state": True},
])
def test_conv_lstm2d_masks_match_keras(kwargs, mask):
    assert_matches_keras(kwargs, mask=mask)


def test_conv_lstm2d_initial_state_matches_keras():
    states = [rng.standard_normal((2, 4, 4, 2)).astype("float32") for _ in range(2)]
    assert_matches_keras({"filters": 2, "kernel_size": 3, "return_state": True},
                         initial_state=states)


def test_conv_lstm2d_model_matches_keras():
    def build(K):  # the flying ball: frames in, where it goes next out
        frames = K.layers.Input((4, 6, 6, 1))
        h = K.layers.ConvLSTM2D(4, 3, padding="same", return_sequences=True)(frames)
        h = K.layers.ConvLSTM2D(2, 3)(h)
        h = K.layers.Flatten()(h)
        return K.Model(frames, K.layers.Dense(3, activation="softmax")(h))

    ours, _ = assert_same_model(build, X[..., :1])
    assert [layer.count_params() for layer in ours.layers] == [0, 736, 440, 0, 99]


# ---------------------------------------------------------------------- layout and paths
def test_conv_lstm2d_weight_layout_and_forget_bias():
    layer = ConvLSTM2D(2, (3, 2))
    layer(X)
    kernel, recurrent, bias = layer.get_weights()
    assert kernel.shape == (3, 2, 3, 8) and recurrent.shape == (3, 2, 2, 8)
    np.testing.assert_array_equal(bias, [0, 0, 1, 1, 0, 0, 0, 0])  # gates i, f, c, o
    assert [p for p, _ in layer.weights_with_paths()] == [
        "conv_lstm2d/conv_lstm_cell/kernel", "conv_lstm2d/conv_lstm_cell/recurrent_kernel",
        "conv_lstm2d/conv_lstm_cell/bias"]


def test_conv_lstm2d_unknown_time_and_rows():
    inputs = sloi.Input(shape=(None, None, 7, 3))
    kwargs = {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
              "return_sequences": True}
    out = ConvLSTM2D(**kwargs)(inputs)
    assert out.shape == (None, None, None, 4, 2)
    model = sloi.Model(inputs, out)
    x = rng.standard_normal((2, 3, 5, 7, 3)).astype("float32")
    theirs = keras.layers.ConvLSTM2D(**kwargs)
    theirs(x)
    theirs.set_weights(model.get_weights())
    with torch.no_grad():
        np.testing.assert_allclose(model(x).numpy(), theirs(x).detach().numpy(), atol=1e-5)


# ---------------------------------------------------------------------- the fast path
def _frame_by_frame(layer, x, mask=None, training=False):
    """Keras's way: the cell called on each frame (input convolution inside the loop)."""
    batch = x.shape[0]
    states = layer.get_initial_state(batch, x)
    for reset in ("reset_dropout_mask", "reset_recurrent_dropout_mask"):
        getattr(layer.cell, reset)()
    step = lambda x_t, s: layer.cell.call(x_t, s, training=training)  # noqa: E731
    return rnn_ops.step_loop(step, x, states, mask, layer.go_backwards)[1]


@pytest.mark.parametrize("kwargs,mask", [
    ({"filters": 2, "kernel_size": 3, "padding": "same"}, None),
    ({"filters": 2, "kernel_size": 2, "strides": 2, "go_backwards": True}, HOLES),
])
def test_whole_sequence_input_convolution_equals_frame_by_frame(kwargs, mask):
    layer = ConvLSTM2D(return_sequences=True, **kwargs)
    x = torch.from_numpy(X).requires_grad_()
    m = None if mask is None else torch.from_numpy(mask)
    out = layer(x, mask=m)
    x2 = torch.from_numpy(X).requires_grad_()
    out2 = _frame_by_frame(layer, x2, m)
    torch.testing.assert_close(out, out2, atol=1e-6, rtol=1e-5)
    weights = torch.linspace(-1, 1, out.numel()).reshape(out.shape)
    grads = torch.autograd.grad((out * weights).sum(), [x, *layer.trainable_weights])
    grads2 = torch.autograd.grad((out2 * weights).sum(), [x2, *layer.trainable_weights])
    for g, g2 in zip(grads, grads2):
        torch.testing.assert_close(g, g2, atol=1e-5, rtol=1e-5)


def test_dropout_is_one_mask_per_gate_for_the_whole_sequence():
    layer = ConvLSTM2D(2, 3, padding="same", dropout=0.5, recurrent_dropout=0.4,
                       return_sequences=True)
    x = torch.from_numpy(X)
    inference = layer(x)  # builds the layer: its initializers draw random numbers too
    torch.manual_seed(1)
    out = layer(x, training=True)
    assert not torch.allclose(out, inference)
    torch.testing.assert_close(layer(x), inference)  # inference ignores dropout
    # the same random masks drawn in the same order: the whole-sequence path equals the cell
    # called frame by frame, whose masks are drawn once at the first frame
    torch.manual_seed(1)
    torch.testing.assert_close(out, _frame_by_frame(layer, x, training=True))


def test_grouped_input_convolution_is_four_gates_with_four_masks():
    cell = ConvLSTM2DCell(2, 3, dropout=0.5, bias_initializer="random_normal",
                          unit_forget_bias=False)
    frame = torch.from_numpy(X[:, 0])
    cell.build(tuple(frame.shape))
    mask = cell.get_dropout_mask(cell.per_gate(frame))  # (batch, rows, cols, 4 * channels)
    got = cell.input_convolution(frame, mask)
    masks, kernels, biases = mask.chunk(4, -1), cell.kernel.chunk(4, -1), cell.bias.chunk(4)
    expected = torch.cat([conv(frame * m, k, b) for m, k, b in zip(masks, kernels, biases)], -1)
    torch.testing.assert_close(got, expected)
    assert not torch.equal(masks[0], masks[1])


def test_conv_lstm2d_stateful_carries_states():
    inputs = sloi.Input(batch_shape=(2, 4, 6, 6, 3))
    layer = ConvLSTM2D(2, 3, stateful=True)
    model = sloi.Model(inputs, layer(inputs))
    whole = ConvLSTM2D(2, 3)
    whole(X)
    whole.set_weights(layer.get_weights())
    with torch.no_grad():
        first = model(X)
        second = model(X)
        torch.testing.assert_close(second, whole(np.concatenate([X, X], axis=1)))
        layer.reset_states()
        torch.testing.assert_close(model(X), first)


# ---------------------------------------------------------------------- errors
def test_conv_lstm2d_errors():
    with pytest.raises(ValueError, match=r'"conv_lstm2d" \(ConvLSTM2D\) expects inputs of rank 5 '
                                         r"\(batch, time, height, width, channels\); got shape "
                                         r"\(None, 6, 6, 3\)"):
        ConvLSTM2D(2, 3)(sloi.Input(shape=(6, 6, 3)))
    with pytest.raises(ValueError, match=r"rank 5 \(batch, time, channels, height, width\)"):
        ConvLSTM2D(2, 3, data_format="channels_first")(np.zeros((2, 4, 6), "float32"))
    with pytest.raises(ValueError, match="is stateful, so it needs a fixed batch size"):
        ConvLSTM2D(2, 3, stateful=True)(sloi.Input(shape=(4, 6, 6, 3)))
    with pytest.raises(ValueError, match=r'kernel_size \(5, 5\).* larger than the frames \(4, 6\) '
                                         r'with padding="valid"'):
        ConvLSTM2D(2, 5)(sloi.Input(shape=(3, 4, 6, 1)))
    with pytest.raises(ValueError, match=r"strides \(2, 2\) above 1 cannot be combined with "
                                         r"dilation_rate \(2, 2\)"):
        ConvLSTM2D(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r"`padding` must be one of \('valid', 'same'\); got "
                                         r"'causal'"):
        ConvLSTM2D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"`filters` must be a positive integer; got 0"):
        ConvLSTM2D(0, 3)
    with pytest.raises(ValueError, match=r"dropout must be in \[0, 1\); got 1.5"):
        ConvLSTM2D(2, 3, dropout=1.5)
    layer = ConvLSTM2D(2, 3)
    with pytest.raises(ValueError, match=r"expects a mask of shape \(batch, timesteps\) = "
                                         r"\(2, 4\); got \(2, 3\)"):
        layer(X, mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"expects initial_state to be 2 tensors \[h, c\] of "
                                         r"shapes \[\(2, 4, 4, 2\), \(2, 4, 4, 2\)\]; got 1 of "
                                         r"shapes \[\(2, 2\)\]"):
        layer(X, initial_state=[torch.zeros(2, 2)])
    with pytest.raises(ValueError, match=r"expects inputs with size 3 on axis -1"):
        layer(np.zeros((2, 4, 6, 6, 5), "float32"))
