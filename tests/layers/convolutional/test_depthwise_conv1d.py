import keras
import numpy as np
import pytest

import sloi
from sloi.layers import DepthwiseConv1D
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel_size,strides,padding,dilation_rate,depth_multiplier", [
    (3, 1, "valid", 1, 1),
    (3, 2, "same", 1, 2),
    (4, 3, "same", 1, 1),
    (2, 1, "valid", 3, 2),
    (3, 2, "same", 2, 1),   # strides and dilation together: Keras allows it here
])
def test_depthwise_conv1d_matches_keras(kernel_size, strides, padding, dilation_rate,
                                        depth_multiplier, data_format):
    kwargs = {"kernel_size": kernel_size, "strides": strides, "padding": padding,
              "dilation_rate": dilation_rate, "depth_multiplier": depth_multiplier,
              "data_format": data_format, "bias_initializer": "uniform"}
    x_shape = (2, 9, 3) if data_format == "channels_last" else (2, 3, 9)
    expected = keras.layers.DepthwiseConv1D(**kwargs).compute_output_shape(x_shape)
    layer, _ = run_layer_test(
        DepthwiseConv1D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.DepthwiseConv1D,
    )
    assert layer.depthwise_kernel.shape == (kernel_size, 3, depth_multiplier)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_conv1d_gradients_match_keras(data_format):
    x = np.random.default_rng(0).standard_normal((2, 8, 3)).astype("float32")
    assert_gradients_match_keras(
        DepthwiseConv1D, keras.layers.DepthwiseConv1D,
        {"kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2,
         "data_format": data_format}, x)


def test_depthwise_conv1d_written_out_and_errors():
    layer = DepthwiseConv1D(2, use_bias=False)
    layer.build((None, 3, 2))
    layer.set_weights([np.array([[[1.0, 10.0]], [[2.0, 20.0]]], "float32").reshape(2, 2, 1)])
    x = np.array([[[1.0, 1.0], [2.0, 3.0], [4.0, 5.0]]], "float32")  # (1, 3 steps, 2 channels)
    np.testing.assert_allclose(layer(x).detach().numpy()[0],
                               [[1 + 2 * 2, 10 + 20 * 3], [2 + 2 * 4, 30 + 20 * 5]])
    with pytest.raises(ValueError, match=r'"depthwise_conv1d(_\d+)?" \(DepthwiseConv1D\) expects '
                                         r"inputs of rank 3 \(batch, steps, channels\);.*"
                                         r"\(None, 8, 8, 3\)"):
        DepthwiseConv1D(3)(sloi.Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match=r"DepthwiseConv1D\): kernel_size \(5,\) is larger than "
                                         r"the spatial size \(4,\)"):
        DepthwiseConv1D(5)(sloi.Input(shape=(4, 2)))
