import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import LSTM, Conv2D, Dense, Dropout, TimeDistributed
from tests.conformance import run_layer_test
from tests.parity import assert_same_model

rng = np.random.default_rng(0)
SEQ = rng.standard_normal((2, 4, 3)).astype("float32")  # (batch, time, features)
VIDEO = rng.standard_normal((2, 5, 16, 16, 1)).astype("float32")  # (batch, frames, h, w, c)


def keras_wrapping(make_inner):
    """A ``keras_layer_cls`` for run_layer_test: a fresh Keras TimeDistributed around
    ``make_inner(keras)`` (the sloi side's kwargs, which hold a sloi layer, are ignored)."""
    return lambda **_: keras.layers.TimeDistributed(make_inner(keras))


@pytest.mark.parametrize("make_inner,x_shape,out_shape,weights", [
    (lambda K: K.layers.Dense(3, activation="tanh"), (2, 4, 5), (2, 4, 3), 2),
    (lambda K: K.layers.Dense(2), (2, 4, 3, 5), (2, 4, 3, 2), 2),  # Dense on the last axis
    (lambda K: K.layers.Conv2D(2, 3, strides=2, padding="same"), (2, 3, 7, 6, 2),
     (2, 3, 4, 3, 2), 2),
    (lambda K: K.layers.Conv2D(2, (2, 3), activation="relu"), (2, 3, 6, 6, 1), (2, 3, 5, 4, 2),
     2),
    (lambda K: K.layers.Flatten(), (2, 3, 4, 5, 2), (2, 3, 40), 0),
    (lambda K: K.layers.LSTM(3), (2, 3, 4, 5), (2, 3, 3), 3),  # a sequence of sequences
])
def test_time_distributed_conformance_and_keras_parity(make_inner, x_shape, out_shape, weights):
    run_layer_test(TimeDistributed, {"layer": make_inner(sloi)}, input_shape=x_shape,
                   expected_output_shape=out_shape, expected_num_trainable_weights=weights,
                   supports_masking=True, keras_layer_cls=keras_wrapping(make_inner))


def test_time_distributed_shares_one_layer_over_time():
    dense = Dense(3)
    layer = TimeDistributed(dense)
    out = layer(SEQ)
    with torch.no_grad():
        for t in range(SEQ.shape[1]):
            torch.testing.assert_close(out[:, t], dense(SEQ[:, t]))
    assert layer.count_params() == dense.count_params() == 3 * 3 + 3
    assert len(layer.trainable_weights) == 2


def test_time_distributed_video_model_matches_keras():
    def build(K):  # the lecture's video classifier
        frames = K.layers.Input((5, 16, 16, 1))
        h = K.layers.TimeDistributed(K.layers.Conv2D(4, 3, activation="relu"))(frames)
        h = K.layers.TimeDistributed(K.layers.Flatten())(h)
        h = K.layers.LSTM(8)(h)
        return K.Model(frames, K.layers.Dense(3, activation="softmax")(h))

    ours, theirs = assert_same_model(build, VIDEO)
    assert [layer.name for layer in ours.layers] == [
        "input_layer", "time_distributed", "time_distributed_1", "lstm", "dense"]
    assert [layer.count_params() for layer in ours.layers] == [0, 40, 0, 25376, 27]
    assert [tuple(layer.output.shape) for layer in ours.layers] == [
        tuple(layer.output.shape) for layer in theirs.layers]


def test_time_distributed_sequential_matches_keras():
    def build(K):
        return K.Sequential([
            K.layers.Input((4, 3)),
            K.layers.TimeDistributed(K.layers.Dense(6, activation="relu")),
            K.layers.TimeDistributed(K.layers.Dense(2)),
        ])

    assert_same_model(build, SEQ)


def test_masks_pass_through_time_distributed():
    x = SEQ.copy()
    x[0, 2:] = 0.0  # padding Masking will hide
    x[1, 0] = 0.0

    def build(K):
        inputs = K.layers.Input((4, 3))
        h = K.layers.Masking(0.0)(inputs)
        h = K.layers.TimeDistributed(K.layers.Dense(5, activation="tanh"))(h)
        return K.Model(inputs, K.layers.LSTM(3, return_sequences=True)(h))

    ours, _ = assert_same_model(build, x)
    # the mask reaches the LSTM: masked steps repeat the previous output
    with torch.no_grad():
        out = ours(x).numpy()
    np.testing.assert_array_equal(out[0, 2], out[0, 1])
    np.testing.assert_array_equal(out[1, 0], np.zeros(3, "float32"))
    # and travels with the eager output
    layer = TimeDistributed(Dense(2))
    mask = torch.tensor([[True, False, True, True], [True, True, True, False]])
    out = layer(SEQ, mask=mask)
    assert torch.equal(out._keras_mask, mask)


def test_mask_reaches_a_wrapped_layer_that_takes_one():
    x = rng.standard_normal((2, 3, 4, 2)).astype("float32")  # (batch, sentences, words, dims)
    x[0, 1, 2:] = 0.0
    x[1, 2, 1:] = 0.0

    def build(K):
        inputs = K.layers.Input((3, 4, 2))
        h = K.layers.Masking(0.0)(inputs)  # mask (batch, 3, 4): folded to (batch * 3, 4)
        return K.Model(inputs, K.layers.TimeDistributed(K.layers.LSTM(3))(h))

    ours, _ = assert_same_model(build, x)
    # without the mask the padded words would change the result
    plain = TimeDistributed(LSTM(3))
    plain(x)
    plain.set_weights(ours.get_weights())
    with torch.no_grad():
        assert not np.allclose(plain(x).numpy(), ours(x).numpy(), atol=1e-4)


def test_training_reaches_the_wrapped_layer():
    layer = TimeDistributed(Dropout(0.5))
    x = np.ones((2, 50, 8), "float32")
    torch.testing.assert_close(layer(x), torch.from_numpy(x))  # inference
    dropped = layer(x, training=True)
    assert set(np.unique(dropped.numpy())) == {0.0, 2.0}
    # every time step draws its own dropout, as Keras calls the layer once a step
    assert not all(torch.equal(dropped[:, 0], dropped[:, t]) for t in range(1, 50))


def test_time_distributed_errors():
    with pytest.raises(ValueError, match=r'"time_distributed" \(TimeDistributed\) expects inputs of '
                                         r"rank 3 or more \(batch, timesteps, \.\.\.\); got shape "
                                         r"\(None, 6\)"):
        TimeDistributed(Dense(2))(sloi.Input(shape=(6,)))
    with pytest.raises(ValueError, match=r'"conv2d" \(Conv2D\) expects inputs of rank 4 .*got shape '
                                         r"\(None, 6, 6\): one time step of the input "
                                         r'\(None, 5, 6, 6\) of layer "time_distributed_1"'):
        TimeDistributed(Conv2D(2, 3))(sloi.Input(shape=(5, 6, 6)))
    with pytest.raises(ValueError, match=r"\(TimeDistributed\) wraps a layer; got function"):
        TimeDistributed(lambda x: x)
    layer = TimeDistributed(Dense(2))
    with pytest.raises(ValueError, match=r"expects a mask whose first axes are \(batch, "
                                         r"timesteps\) = \(2, 4\); got a mask of shape \(2, 3\) "
                                         r"for inputs of shape \(2, 4, 3\)"):
        layer(SEQ, mask=torch.ones(2, 3, dtype=torch.bool))
    with pytest.raises(ValueError, match=r"expects inputs with size 3 on axis -1"):
        layer(np.zeros((2, 4, 7), "float32"))


def test_time_distributed_config_round_trip_keeps_the_wrapped_layer():
    layer = TimeDistributed(Conv2D(4, 3, padding="same", name="frames_conv"), name="td")
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Conv2D"
    clone = TimeDistributed.from_config(config)
    assert clone.get_config() == config
    assert isinstance(clone.layer, Conv2D) and clone.layer.name == "frames_conv"
