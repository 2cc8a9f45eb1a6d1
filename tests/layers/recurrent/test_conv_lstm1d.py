import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import ConvLSTM1D, ConvLSTM1DCell
from tests.conformance import assert_gradients_match_keras, run_layer_test

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 4, 7, 3)).astype("float32")  # (batch, time, steps, channels)
X_CF = np.ascontiguousarray(X.transpose(0, 1, 3, 2))   # (batch, time, channels, steps)
HOLES = np.array([[0, 1, 0, 1], [1, 1, 1, 0]], bool)


@pytest.mark.parametrize("kwargs,x_shape,out_shape", [
    ({"filters": 2, "kernel_size": 3}, (2, 4, 7, 3), (2, 5, 2)),
    ({"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True},
     (2, 4, 7, 3), (2, 4, 7, 2)),
    ({"filters": 3, "kernel_size": 2, "strides": 2, "padding": "same"}, (2, 4, 7, 1),
     (2, 4, 3)),
    ({"filters": 2, "kernel_size": 2, "dilation_rate": 3, "return_sequences": True},
     (2, 4, 7, 3), (2, 4, 4, 2)),
    ({"filters": 2, "kernel_size": 3, "data_format": "channels_first"}, (2, 4, 3, 7),
     (2, 2, 5)),
    ({"filters": 2, "kernel_size": 2, "strides": 2, "data_format": "channels_first",
      "return_sequences": True, "return_state": True}, (2, 4, 3, 7),
     [(2, 4, 2, 3), (2, 2, 3), (2, 2, 3)]),
])
def test_conv_lstm1d_matches_keras(kwargs, x_shape, out_shape):
    run_layer_test(ConvLSTM1D, {**kwargs, "bias_initializer": "uniform"}, input_shape=x_shape,
                   expected_output_shape=out_shape, expected_num_trainable_weights=3,
                   supports_masking=True, keras_layer_cls=keras.layers.ConvLSTM1D)


@pytest.mark.parametrize("x,data_format", [(X, "channels_last"), (X_CF, "channels_first")])
def test_conv_lstm1d_gradients_match_keras(x, data_format):
    assert_gradients_match_keras(
        ConvLSTM1D, keras.layers.ConvLSTM1D,
        {"filters": 2, "kernel_size": 3, "padding": "same", "return_sequences": True,
         "data_format": data_format}, x)


def test_conv_lstm1d_mask_and_go_backwards_match_keras():
    kwargs = {"filters": 2, "kernel_size": 3, "return_sequences": True, "go_backwards": True}
    ours, theirs = ConvLSTM1D(**kwargs), keras.layers.ConvLSTM1D(**kwargs)
    ours(X)
    theirs(X)
    theirs.set_weights(ours.get_weights())
    with torch.no_grad():
        out = ours(X, mask=torch.from_numpy(HOLES))
    np.testing.assert_allclose(out.numpy(), theirs(X, mask=HOLES).detach().numpy(), atol=1e-5)


def test_conv_lstm1d_cell_weights_and_config():
    layer = ConvLSTM1D(2, 3)
    layer(X)
    assert [w.shape for w in layer.get_weights()] == [(3, 3, 8), (3, 2, 8), (8,)]
    assert type(layer.cell) is ConvLSTM1DCell and layer.cell.rank == 1
    assert ConvLSTM1D.from_config(layer.get_config()).get_config() == layer.get_config()
    cell = ConvLSTM1DCell(2, 3, padding="same")
    assert ConvLSTM1DCell.from_config(cell.get_config()).get_config() == cell.get_config()


def test_conv_lstm1d_errors():
    with pytest.raises(ValueError, match=r'"conv_lstm1d(_\d+)?" \(ConvLSTM1D\) expects inputs of '
                                         r"rank 4 \(batch, time, steps, channels\); got shape "
                                         r"\(None, 6, 3\)"):
        ConvLSTM1D(2, 3)(sloi.Input(shape=(6, 3)))
    with pytest.raises(ValueError, match=r"kernel_size \(5,\).* larger than the frames \(4,\)"):
        ConvLSTM1D(2, 5)(sloi.Input(shape=(3, 4, 1)))
    with pytest.raises(ValueError, match=r"ConvLSTM1DCell\): `kernel_size` must be an integer or "
                                         r"a tuple of 1"):
        ConvLSTM1D(2, (3, 3))
    layer = ConvLSTM1D(2, 3)
    with pytest.raises(ValueError, match=r"\(ConvLSTM1D\) expects initial_state to be 2 tensors "
                                         r"\[h, c\] of shapes \[\(2, 5, 2\), \(2, 5, 2\)\]"):
        layer(X, initial_state=[torch.zeros(2, 2)])
