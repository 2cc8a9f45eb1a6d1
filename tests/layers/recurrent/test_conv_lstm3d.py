import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import ConvLSTM3D, ConvLSTM3DCell
from tests.conformance import assert_gradients_match_keras, run_layer_test

rng = np.random.default_rng(0)
X = rng.standard_normal((2, 3, 4, 5, 3, 2)).astype("float32")  # (batch, time, d, h, w, c)
X_CF = np.ascontiguousarray(np.moveaxis(X, -1, 2))            # (batch, time, c, d, h, w)


@pytest.mark.parametrize("kwargs,x_shape,out_shape", [
    ({"filters": 2, "kernel_size": 2}, (2, 3, 4, 5, 3, 2), (2, 3, 4, 2, 2)),
    ({"filters": 2, "kernel_size": (3, 2, 2), "padding": "same", "return_sequences": True},
     (2, 3, 4, 5, 3, 2), (2, 3, 4, 5, 3, 2)),
    ({"filters": 2, "kernel_size": 2, "strides": (2, 1, 2), "padding": "same"},
     (2, 3, 4, 5, 3, 1), (2, 2, 5, 2, 2)),
    ({"filters": 2, "kernel_size": 2, "dilation_rate": (1, 2, 1)}, (2, 3, 4, 5, 3, 2),
     (2, 3, 3, 2, 2)),
    ({"filters": 2, "kernel_size": 2, "data_format": "channels_first", "return_state": True},
     (2, 3, 2, 4, 5, 3), [(2, 2, 3, 4, 2), (2, 2, 3, 4, 2), (2, 2, 3, 4, 2)]),
])
def test_conv_lstm3d_matches_keras(kwargs, x_shape, out_shape):
    run_layer_test(ConvLSTM3D, {**kwargs, "bias_initializer": "uniform"}, input_shape=x_shape,
                   expected_output_shape=out_shape, expected_num_trainable_weights=3,
                   supports_masking=True, keras_layer_cls=keras.layers.ConvLSTM3D)


@pytest.mark.parametrize("x,data_format", [(X, "channels_last"), (X_CF, "channels_first")])
def test_conv_lstm3d_gradients_match_keras(x, data_format):
    assert_gradients_match_keras(
        ConvLSTM3D, keras.layers.ConvLSTM3D,
        {"filters": 2, "kernel_size": 2, "padding": "same", "data_format": data_format}, x)


def test_conv_lstm3d_cell_weights_and_config():
    layer = ConvLSTM3D(2, (2, 3, 1))
    layer(X)
    assert [w.shape for w in layer.get_weights()] == [(2, 3, 1, 2, 8), (2, 3, 1, 2, 8), (8,)]
    assert type(layer.cell) is ConvLSTM3DCell and layer.cell.rank == 3
    assert ConvLSTM3D.from_config(layer.get_config()).get_config() == layer.get_config()


def test_conv_lstm3d_errors():
    with pytest.raises(ValueError, match=r'"conv_lstm3d(_\d+)?" \(ConvLSTM3D\) expects inputs of '
                                         r"rank 6 \(batch, time, depth, height, width, channels\);"
                                         r" got shape \(None, 3, 6, 6, 3\)"):
        ConvLSTM3D(2, 3)(sloi.Input(shape=(3, 6, 6, 3)))
    with pytest.raises(ValueError, match=r"rank 6 \(batch, time, channels, depth, height, "
                                         r"width\)"):
        ConvLSTM3D(2, 3, data_format="channels_first")(torch.zeros(2, 3, 4, 4, 4))
    with pytest.raises(ValueError, match=r"kernel_size \(3, 3, 3\).* larger than the frames "
                                         r"\(2, 5, 5\)"):
        ConvLSTM3D(2, 3)(sloi.Input(shape=(3, 2, 5, 5, 1)))
