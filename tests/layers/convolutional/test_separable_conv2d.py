import keras
import numpy as np
import pytest

import sloi
from sloi.layers import SeparableConv2D, SeparableConvolution2D
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel_size,strides,padding,dilation_rate,depth_multiplier", [
    (3, 1, "valid", 1, 1),
    ((3, 2), 2, "same", 1, 2),
    (2, (1, 2), "valid", 1, 1),
    (3, 1, "same", 2, 2),
    (2, 2, "same", 2, 1),   # strides and dilation together: Keras allows it here
])
def test_separable_conv2d_matches_keras(kernel_size, strides, padding, dilation_rate,
                                        depth_multiplier, data_format):
    kwargs = {"filters": 4, "kernel_size": kernel_size, "strides": strides, "padding": padding,
              "dilation_rate": dilation_rate, "depth_multiplier": depth_multiplier,
              "data_format": data_format, "bias_initializer": "uniform"}
    x_shape = (2, 7, 6, 3) if data_format == "channels_last" else (2, 3, 7, 6)
    expected = keras.layers.SeparableConv2D(**kwargs).compute_output_shape(x_shape)
    layer, _ = run_layer_test(
        SeparableConv2D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=3, supports_masking=False,
        keras_layer_cls=keras.layers.SeparableConv2D,
    )
    assert layer.pointwise_kernel.shape == (1, 1, 3 * depth_multiplier, 4)


@pytest.mark.parametrize("kwargs", [
    {"use_bias": False, "activation": "relu"},
    {"pointwise_regularizer": "l2", "pointwise_constraint": "max_norm",
     "pointwise_initializer": "he_normal", "depthwise_regularizer": "l1"},
])
def test_separable_conv2d_other_arguments_match_keras(kwargs):
    run_layer_test(
        SeparableConv2D, {"filters": 2, "kernel_size": 2, **kwargs}, input_shape=(2, 4, 4, 3),
        expected_output_shape=(2, 3, 3, 2),
        expected_num_trainable_weights=2 if kwargs.get("use_bias") is False else 3,
        keras_layer_cls=keras.layers.SeparableConv2D,
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_separable_conv2d_gradients_match_keras(data_format):
    x = np.random.default_rng(0).standard_normal((2, 5, 6, 3)).astype("float32")
    assert_gradients_match_keras(
        SeparableConv2D, keras.layers.SeparableConv2D,
        {"filters": 4, "kernel_size": 3, "strides": 2, "padding": "same",
         "depth_multiplier": 2, "data_format": data_format}, x)


def test_separable_conv2d_alias_params_and_errors():
    assert SeparableConvolution2D is SeparableConv2D
    y = SeparableConv2D(32, 3, padding="same")(sloi.Input(shape=(32, 32, 16)))
    assert y.shape == (None, 32, 32, 32)
    layer = SeparableConv2D(32, 3)
    layer.build((None, 8, 8, 16))
    assert layer.count_params() == 3 * 3 * 16 + 16 * 32 + 32
    with pytest.raises(ValueError, match=r'"separable_conv2d(_\d+)?" \(SeparableConv2D\) expects '
                                         r"inputs of rank 4 \(batch, height, width, channels\);"
                                         r".*\(None, 8, 3\)"):
        SeparableConv2D(2, 3)(sloi.Input(shape=(8, 3)))
    with pytest.raises(ValueError, match=r"SeparableConv2D\): `filters` must be a positive "
                                         r"integer; got 0"):
        SeparableConv2D(0, 3)
