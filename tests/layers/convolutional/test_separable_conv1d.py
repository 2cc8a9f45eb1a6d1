import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import SeparableConv1D, SeparableConvolution1D
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate,depth_multiplier", [
    (3, 1, 1, 1), (4, 2, 1, 2), (3, 3, 1, 1), (3, 1, 2, 3), (3, 2, 2, 1), (1, 1, 1, 2),
])
def test_separable_conv1d_matches_keras(padding, kernel_size, strides, dilation_rate,
                                        depth_multiplier):
    kwargs = {"filters": 5, "kernel_size": kernel_size, "strides": strides, "padding": padding,
              "dilation_rate": dilation_rate, "depth_multiplier": depth_multiplier,
              "bias_initializer": "uniform"}
    expected = keras.layers.SeparableConv1D(**kwargs).compute_output_shape((2, 11, 3))
    layer, _ = run_layer_test(
        SeparableConv1D, kwargs, input_shape=(2, 11, 3), expected_output_shape=expected,
        expected_num_trainable_weights=3, supports_masking=False,
        keras_layer_cls=keras.layers.SeparableConv1D,
    )
    assert [tuple(w.shape) for w in layer.weights] == [
        (kernel_size, 3, depth_multiplier), (1, 3 * depth_multiplier, 5), (5,)]


@pytest.mark.parametrize("padding,use_bias", [("valid", True), ("same", False)])
def test_separable_conv1d_channels_first_activation_bias_match_keras(padding, use_bias):
    kwargs = {"filters": 4, "kernel_size": 3, "strides": 2, "padding": padding,
              "depth_multiplier": 2, "data_format": "channels_first", "activation": "relu",
              "use_bias": use_bias}
    expected = keras.layers.SeparableConv1D(**kwargs).compute_output_shape((2, 3, 9))
    run_layer_test(
        SeparableConv1D, kwargs, input_shape=(2, 3, 9), expected_output_shape=expected,
        expected_num_trainable_weights=3 if use_bias else 2,
        keras_layer_cls=keras.layers.SeparableConv1D,
    )


def test_separable_conv1d_counts_and_written_out():
    assert SeparableConvolution1D is SeparableConv1D
    layer = SeparableConv1D(32, 5, padding="same")
    assert layer(sloi.Input(shape=(100, 16))).shape == (None, 100, 32)
    assert layer.count_params() == 5 * 16 + 16 * 32 + 32
    # two channels, depth_multiplier 1: each channel filtered alone, then mixed by the pointwise
    layer = SeparableConv1D(1, 2, use_bias=False)
    layer.build((None, 3, 2))
    layer.set_weights([np.array([[[1.0], [0.0]], [[1.0], [1.0]]], dtype="float32"),
                       np.array([[[1.0], [100.0]]], dtype="float32")])
    x = np.array([[[1, 10], [2, 20], [3, 30]]], dtype="float32")
    # channel 0: x0[t] + x0[t+1]; channel 1: x1[t+1]; output = ch0 + 100 * ch1
    y = layer(x).detach().numpy()[0, :, 0]
    np.testing.assert_allclose(y, [1 + 2 + 100 * 20, 2 + 3 + 100 * 30])


def test_separable_conv1d_gradients_match_keras():
    kwargs = {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same",
              "depth_multiplier": 2}
    x = np.random.default_rng(0).standard_normal((2, 9, 4)).astype("float32")
    assert_gradients_match_keras(SeparableConv1D, keras.layers.SeparableConv1D, kwargs, x)


def test_separable_conv1d_errors():
    with pytest.raises(ValueError, match=r'Layer "separable_conv1d" \(SeparableConv1D\): '
                                         r"kernel_size \(5,\) is larger than the spatial size "
                                         r'\(4,\) of the input with padding="valid"; got input '
                                         r"shape \(None, 4, 2\)"):
        SeparableConv1D(2, 5)(sloi.Input(shape=(4, 2)))
    with pytest.raises(ValueError, match=r"kernel_size \(3,\) with dilation_rate \(3,\) "
                                         r"\(covering \(7,\)\) is larger than the spatial size "
                                         r"\(6,\).*"
                                         r"\(1, 6, 2\)"):
        SeparableConv1D(2, 3, dilation_rate=3)(torch.randn(1, 6, 2))
    with pytest.raises(ValueError, match=r"SeparableConv1D\): `padding` must be one of "
                                         r"\('valid', 'same'\); got 'causal'"):
        SeparableConv1D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"SeparableConv1D\): `depth_multiplier` must be a "
                                         r"positive integer; got 0"):
        SeparableConv1D(2, 3, depth_multiplier=0)
    with pytest.raises(ValueError, match=r"\(SeparableConv1D\) expects inputs of rank 3 "
                                         r"\(batch, steps, channels\)"):
        SeparableConv1D(2, 3)(sloi.Input(shape=(9,)))
