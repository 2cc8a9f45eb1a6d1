import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Conv2D, MaxPooling2D
from tests.conformance import assert_gradients_match_keras, run_layer_test

# (strides, dilation_rate): Keras refuses strides > 1 together with dilation > 1.
_STEPS = [(1, 1), (2, 1), ((2, 3), 1), (1, 2), (1, (2, 1))]


@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("kernel_size", [3, (4, 2)])
@pytest.mark.parametrize("strides,dilation_rate", _STEPS)
def test_conv2d_padding_strides_dilation_match_keras(padding, kernel_size, strides,
                                                     dilation_rate):
    # height 9 (odd) and width 8 (even): "same" with strides 2 pads unevenly on one of them
    x_shape = (2, 9, 8, 3)
    kwargs = {"filters": 4, "kernel_size": kernel_size, "strides": strides,
              "padding": padding, "dilation_rate": dilation_rate}
    expected = keras.layers.Conv2D(**kwargs).compute_output_shape(x_shape)
    run_layer_test(
        Conv2D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.Conv2D,
    )


@pytest.mark.parametrize("size", [5, 6, 7, 8])
@pytest.mark.parametrize("kernel_size", [2, 3, 4])
def test_conv2d_same_stride2_odd_and_even_sizes_match_keras(size, kernel_size):
    kwargs = {"filters": 2, "kernel_size": kernel_size, "strides": 2, "padding": "same"}
    out = -(-size // 2)
    run_layer_test(
        Conv2D, kwargs, input_shape=(2, size, size + 1, 2),
        expected_output_shape=(2, out, -(-(size + 1) // 2), 2),
        expected_num_trainable_weights=2, keras_layer_cls=keras.layers.Conv2D,
    )


@pytest.mark.parametrize("groups,padding,data_format", [
    (2, "valid", "channels_last"), (4, "same", "channels_last"),
    (1, "same", "channels_first"), (2, "valid", "channels_first"),
])
def test_conv2d_groups_and_data_format_match_keras(groups, padding, data_format):
    kwargs = {"filters": 8, "kernel_size": (3, 2), "strides": (2, 1), "padding": padding,
              "groups": groups, "data_format": data_format}
    x_shape = (2, 7, 6, 4) if data_format == "channels_last" else (2, 4, 7, 6)
    expected = keras.layers.Conv2D(**kwargs).compute_output_shape(x_shape)
    layer, _ = run_layer_test(
        Conv2D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, keras_layer_cls=keras.layers.Conv2D,
    )
    assert layer.kernel.shape == (3, 2, 4 // groups, 8)


@pytest.mark.parametrize("kwargs", [
    {"use_bias": False},
    {"activation": "relu"},
    {"activation": "sigmoid", "kernel_initializer": "he_normal", "bias_initializer": "ones"},
    {"kernel_regularizer": "l2", "bias_regularizer": "l1", "activity_regularizer": "l2",
     "kernel_constraint": "max_norm", "bias_constraint": "non_neg"},
])
def test_conv2d_other_arguments_match_keras(kwargs):
    run_layer_test(
        Conv2D, {"filters": 3, "kernel_size": 2, **kwargs}, input_shape=(2, 5, 5, 2),
        expected_output_shape=(2, 4, 4, 3),
        expected_num_trainable_weights=1 if kwargs.get("use_bias") is False else 2,
        keras_layer_cls=keras.layers.Conv2D,
    )


def test_conv2d_lecture_shapes():
    x = sloi.Input(shape=(64, 64, 1))
    a = Conv2D(64, kernel_size=4, activation="relu")(x)
    b = Conv2D(32, kernel_size=8, activation="relu")(x)
    c = MaxPooling2D((2, 2))(b)
    assert (a.shape, b.shape, c.shape) == (
        (None, 61, 61, 64), (None, 57, 57, 32), (None, 28, 28, 32))
    model = sloi.Model(x, [a, c])
    assert model.count_params() == (4 * 4 * 1 * 64 + 64) + (8 * 8 * 1 * 32 + 32)


def test_conv2d_output_is_contiguous_channels_last():
    # Flatten after Conv2D must read (h, w, c) order with a free reshape
    layer = Conv2D(5, 3, padding="same")
    y = layer(torch.randn(2, 6, 7, 4))
    assert y.shape == (2, 6, 7, 5) and y.is_contiguous()


def test_conv2d_written_out_math():
    # A 2x2 all-ones kernel with strides 2 and "same" on a 3x3 image: the total padding of 1 goes
    # at the bottom / right, so the last window holds the corner pixel alone.
    layer = Conv2D(1, 2, strides=2, padding="same", kernel_initializer="ones")
    x = np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    y = layer(x).detach().numpy()[0, :, :, 0]
    np.testing.assert_allclose(y, [[0 + 1 + 3 + 4, 2 + 5], [6 + 7, 8]])
    # Cross-correlation (no kernel flip) with Keras's kernel layout (kh, kw, in, out).
    layer = Conv2D(2, (2, 3), use_bias=False)
    x = np.random.default_rng(1).standard_normal((1, 4, 5, 3)).astype("float32")
    y = layer(x).detach().numpy()
    k = layer.get_weights()[0]
    expected = np.array([[np.einsum("hwc,hwcf->f", x[0, i:i + 2, j:j + 3], k)
                          for j in range(3)] for i in range(3)])
    np.testing.assert_allclose(y[0], expected, atol=1e-5)


def test_conv2d_gradients_match_keras():
    kwargs = {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}
    x = np.random.default_rng(0).standard_normal((2, 8, 7, 2)).astype("float32")
    assert_gradients_match_keras(Conv2D, keras.layers.Conv2D, kwargs, x)


# ---------------------------------------------------------------------- errors
def test_conv2d_kernel_larger_than_input_is_refused():
    with pytest.raises(ValueError, match=r'Layer "conv2d" \(Conv2D\): kernel_size \(8, 8\) is '
                                         r"larger than .*\(5, 5\).*got input shape "
                                         r"\(None, 5, 5, 1\)"):
        Conv2D(4, 8)(sloi.Input(shape=(5, 5, 1)))
    layer = Conv2D(4, 3, dilation_rate=3)
    with pytest.raises(ValueError, match=r"dilation_rate \(3, 3\) \(covering \(7, 7\)\).*"
                                         r"\(2, 6, 6, 1\)"):
        layer(torch.zeros(2, 6, 6, 1))
    layer = Conv2D(4, 3)
    layer(torch.zeros(1, 5, 5, 1))
    with pytest.raises(ValueError, match=r"larger than.*got input shape \(1, 2, 9, 1\)"):
        layer(torch.zeros(1, 2, 9, 1))  # a built layer checks again


def test_conv2d_same_padding_accepts_small_inputs():
    assert Conv2D(2, 8, padding="same")(sloi.Input(shape=(3, 3, 1))).shape == (None, 3, 3, 2)


def test_conv2d_rank_is_checked():
    x = sloi.Input(shape=(1000,))
    with pytest.raises(ValueError, match=r'Layer "conv2d" \(Conv2D\) expects inputs of rank 4 '
                                         r"\(batch, height, width, channels\); got .*\(None, 1000\)"):
        Conv2D(4, 3)(x)


def test_conv2d_groups_must_divide_channels_and_filters():
    with pytest.raises(ValueError, match=r"Conv2D.*input's 3 channels must be divisible by "
                                         r"groups \(2\).*\(None, 8, 8, 3\)"):
        Conv2D(4, 3, groups=2)(sloi.Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match=r"filters \(5\) must be divisible by groups \(2\)"):
        Conv2D(5, 3, groups=2)


def test_conv2d_channels_are_fixed_after_build():
    layer = Conv2D(2, 3)
    layer(torch.zeros(1, 5, 5, 3))
    with pytest.raises(ValueError, match=r"size 3 on axis -1.*got shape \(1, 5, 5, 4\)"):
        layer(torch.zeros(1, 5, 5, 4))


@pytest.mark.parametrize("kwargs,message", [
    ({"padding": "causal"}, "`padding` must be one of"),
    ({"padding": "full"}, "`padding` must be one of"),
    ({"strides": 0}, "`strides` must be positive"),
    ({"kernel_size": (3, 3, 3)}, "`kernel_size` must be an integer or a tuple of 2"),
    ({"strides": 2, "dilation_rate": 2}, r"strides \(2, 2\) above 1 cannot be combined"),
    ({"data_format": "nhwc"}, "`data_format` must be"),
    ({"filters": 0}, "`filters` must be a positive integer"),
])
def test_conv2d_bad_arguments(kwargs, message):
    args = {"filters": 2, "kernel_size": 3, **kwargs}
    with pytest.raises(ValueError, match=r'Layer "conv2d" \(Conv2D\): ' + message):
        Conv2D(**args)


def test_conv2d_padding_is_case_insensitive_like_keras():
    assert Conv2D(2, 3, padding="SAME").get_config()["padding"] == "same"
