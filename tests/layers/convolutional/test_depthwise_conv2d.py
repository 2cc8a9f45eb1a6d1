import keras
import numpy as np
import pytest

import sloi
from sloi.layers import DepthwiseConv2D
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel_size,strides,padding,dilation_rate,depth_multiplier", [
    (3, 1, "valid", 1, 1),
    ((3, 2), 2, "same", 1, 2),
    (2, (1, 2), "same", 1, 3),
    (3, 1, "same", (2, 1), 1),
    (2, 2, "same", 2, 2),   # strides and dilation together: Keras allows it here
])
def test_depthwise_conv2d_matches_keras(kernel_size, strides, padding, dilation_rate,
                                        depth_multiplier, data_format):
    kwargs = {"kernel_size": kernel_size, "strides": strides, "padding": padding,
              "dilation_rate": dilation_rate, "depth_multiplier": depth_multiplier,
              "data_format": data_format, "bias_initializer": "uniform"}
    x_shape = (2, 7, 6, 3) if data_format == "channels_last" else (2, 3, 7, 6)
    expected = keras.layers.DepthwiseConv2D(**kwargs).compute_output_shape(x_shape)
    layer, _ = run_layer_test(
        DepthwiseConv2D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.DepthwiseConv2D,
    )
    assert layer.depthwise_kernel.shape == layer.kernel_size + (3, depth_multiplier)
    assert layer.bias.shape == (3 * depth_multiplier,)


@pytest.mark.parametrize("kwargs", [
    {"use_bias": False, "activation": "relu"},
    {"depthwise_regularizer": "l2", "bias_regularizer": "l1", "activity_regularizer": "l2",
     "depthwise_constraint": "max_norm", "depthwise_initializer": "he_normal"},
])
def test_depthwise_conv2d_other_arguments_match_keras(kwargs):
    run_layer_test(
        DepthwiseConv2D, {"kernel_size": 2, **kwargs}, input_shape=(2, 4, 4, 2),
        expected_output_shape=(2, 3, 3, 2),
        expected_num_trainable_weights=1 if kwargs.get("use_bias") is False else 2,
        keras_layer_cls=keras.layers.DepthwiseConv2D,
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_depthwise_conv2d_gradients_match_keras(data_format):
    x = np.random.default_rng(0).standard_normal((2, 5, 6, 3)).astype("float32")
    assert_gradients_match_keras(
        DepthwiseConv2D, keras.layers.DepthwiseConv2D,
        {"kernel_size": 3, "strides": 2, "padding": "same", "depth_multiplier": 2,
         "data_format": data_format}, x)


def test_depthwise_conv2d_written_out():
    # each channel through its own kernels, output channel c * multiplier + m
    layer = DepthwiseConv2D(2, depth_multiplier=2, use_bias=False)
    x = np.random.default_rng(1).standard_normal((1, 3, 4, 3)).astype("float32")
    y = layer(x).detach().numpy()
    k = layer.get_weights()[0]  # (2, 2, 3, 2)
    expected = np.array([[np.einsum("hwc,hwcm->cm", x[0, i:i + 2, j:j + 2], k).reshape(-1)
                          for j in range(3)] for i in range(2)])
    np.testing.assert_allclose(y[0], expected, atol=1e-5)


def test_depthwise_conv2d_errors():
    with pytest.raises(ValueError, match=r'"depthwise_conv2d" \(DepthwiseConv2D\) expects inputs '
                                         r"of rank 4 \(batch, height, width, channels\);.*"
                                         r"\(None, 8, 3\)"):
        DepthwiseConv2D(3)(sloi.Input(shape=(8, 3)))
    with pytest.raises(ValueError, match=r"DepthwiseConv2D\): kernel_size \(3, 3\) is larger "
                                         r"than the spatial size \(2, 5\).*\(None, 2, 5, 1\)"):
        DepthwiseConv2D(3)(sloi.Input(shape=(2, 5, 1)))
    with pytest.raises(ValueError, match=r"DepthwiseConv2D\): `depth_multiplier` must be a "
                                         r"positive integer; got 0"):
        DepthwiseConv2D(3, depth_multiplier=0)
    with pytest.raises(ValueError, match=r"DepthwiseConv2D\): `padding` must be one of"):
        DepthwiseConv2D(3, padding="causal")
