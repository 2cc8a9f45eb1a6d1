"""``use_cudnn`` on LSTM and GRU: validated, and honoured (True: cuDNN or an error; False: never
cuDNN; "auto": cuDNN where it can run), compared with Keras 3 where Keras runs here."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import layers

_X = np.random.default_rng(0).normal(size=(3, 5, 6)).astype("float32")
_CUDA = torch.cuda.is_available() and torch.backends.cudnn.is_available()


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_bogus_use_cudnn_raises_as_in_keras(name):
    with pytest.raises(ValueError):
        getattr(keras.layers, name)(4, use_cudnn="bogus")
    for bad in ("bogus", 1, None, "True"):
        with pytest.raises(ValueError, match=rf'"my_rnn" \({name}\): use_cudnn'):
            getattr(layers, name)(4, use_cudnn=bad, name="my_rnn")


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("value", ["auto", True, False])
def test_valid_values_kept(name, value):
    assert getattr(layers, name)(4, use_cudnn=value).use_cudnn is value


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_true_with_recurrent_dropout_raises_as_in_keras(name):
    with pytest.raises(ValueError, match="use_cudnn=True"):
        getattr(keras.layers, name)(4, recurrent_dropout=0.2, use_cudnn=True)(_X)
    layer = getattr(layers, name)(4, recurrent_dropout=0.2, use_cudnn=True, name="r")
    with pytest.raises(ValueError, match=r'"r".*use_cudnn=True.*recurrent_dropout=0.2'):
        layer(torch.from_numpy(_X))


@pytest.mark.parametrize("kwargs, reason", [
    ({"unroll": True}, "unroll=True"),
    ({"activation": "relu"}, "activation=relu"),
    ({}, "the inputs are on cpu"),
])
@pytest.mark.skipif(_CUDA, reason="the CPU inputs of this test are cuDNN's only obstacle here")
def test_true_where_cudnn_cannot_run_raises(kwargs, reason):
    layer = layers.LSTM(4, use_cudnn=True, **kwargs)
    with pytest.raises(ValueError, match=reason):
        layer(torch.from_numpy(_X))


def test_true_gru_reset_after_false_raises():
    layer = layers.GRU(4, use_cudnn=True, reset_after=False)
    with pytest.raises(ValueError, match="reset_after=False"):
        layer(torch.from_numpy(_X))


def test_true_left_padded_mask_raises():
    mask = torch.tensor([[0, 1, 1, 1, 1]] * 3, dtype=torch.bool)
    layer = layers.LSTM(4, use_cudnn=True)
    with pytest.raises(ValueError, match="not right-padded"):
        layer(torch.from_numpy(_X), mask=mask)


def test_true_builds_symbolically():
    # building a model runs no kernel: the device is known only when it runs
    inputs = sloi.Input((5, 6))
    model = sloi.Model(inputs, layers.LSTM(4, use_cudnn=True)(inputs))
    assert tuple(model.output_shape) == (None, 4)


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("kwargs", [{}, {"return_sequences": True, "go_backwards": True}])
def test_false_and_auto_give_keras_numbers(name, kwargs):
    auto = getattr(layers, name)(4, use_cudnn="auto", **kwargs)
    off = getattr(layers, name)(4, use_cudnn=False, **kwargs)
    ref = getattr(keras.layers, name)(4, use_cudnn=False, **kwargs)
    x = torch.from_numpy(_X)
    auto(x)
    off(x)
    ref(_X)
    off.set_weights(auto.get_weights())
    ref.set_weights(auto.get_weights())
    y_auto, y_off = auto(x), off(x)
    assert torch.equal(y_auto, y_off)
    np.testing.assert_allclose(y_off.detach().numpy(),
                               keras.ops.convert_to_numpy(ref(_X)), atol=1e-5)


def test_bidirectional_passes_use_cudnn_to_both_directions():
    for value in ("auto", True, False):
        bidi = layers.Bidirectional(layers.LSTM(4, use_cudnn=value))
        assert bidi.forward_layer.use_cudnn is value
        assert bidi.backward_layer.use_cudnn is value
        keras_bidi = keras.layers.Bidirectional(keras.layers.LSTM(4, use_cudnn=value))
        assert keras_bidi.backward_layer.use_cudnn is value


@pytest.mark.skipif(_CUDA, reason="CPU inputs")
def test_bidirectional_true_on_cpu_raises():
    bidi = layers.Bidirectional(layers.GRU(4, use_cudnn=True))
    with pytest.raises(ValueError, match="use_cudnn=True"):
        bidi(torch.from_numpy(_X))


@pytest.mark.skipif(not _CUDA, reason="needs CUDA and cuDNN")
@pytest.mark.parametrize("name", ["LSTM", "GRU"])
@pytest.mark.parametrize("wrap", [False, True])
def test_cuda_true_false_auto_agree(name, wrap):
    def make(value):
        layer = getattr(layers, name)(8, use_cudnn=value, return_sequences=True)
        return layers.Bidirectional(layer) if wrap else layer

    x = torch.from_numpy(_X).cuda()
    mask = torch.tensor([[1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [1, 0, 0, 0, 0]],
                        dtype=torch.bool, device="cuda")
    made = {v: make(v).cuda() for v in ("auto", True, False)}
    for layer in made.values():
        layer(x)
    for layer in made.values():
        layer.set_weights(made["auto"].get_weights())
    for m in (None, mask):
        y_auto = made["auto"](x, mask=m)
        for value in (True, False):
            y = made[value](x, mask=m)
            torch.testing.assert_close(y, y_auto, atol=1e-5, rtol=1e-5)
            y.sum().backward()
    # False keeps cuDNN out, so the weights were not laid out in cuDNN's buffer
    off = made[False].forward_layer if wrap else made[False]
    assert all(p.is_contiguous() for p in off.parameters())
    left = torch.tensor([[0, 1, 1, 1, 1]] * 3, dtype=torch.bool, device="cuda")
    with pytest.raises(ValueError, match="not right-padded"):
        made[True](x, mask=left)
    torch.testing.assert_close(made[False](x, mask=left), made["auto"](x, mask=left))


@pytest.mark.parametrize("name", ["LSTM", "GRU", "SimpleRNN"])
def test_initial_state_as_arrays_as_in_keras(name):
    seq = np.random.default_rng(1).random((2, 5, 4)).astype("float32")
    h, c = np.full((2, 3), 0.5, "float32"), np.full((2, 3), -0.25, "float32")
    ours, theirs = getattr(layers, name)(3), getattr(keras.layers, name)(3)
    ours(seq)
    theirs(seq)
    ours.set_weights(theirs.get_weights())
    initial = [h, c] if name == "LSTM" else [h]
    np.testing.assert_allclose(ours(seq, initial_state=initial).detach().numpy(),
                               keras.ops.convert_to_numpy(theirs(seq, initial_state=initial)),
                               atol=1e-5)
