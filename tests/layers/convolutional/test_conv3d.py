import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Conv3D, Convolution3D
from tests.conformance import assert_gradients_match_keras, run_layer_test

# (kernel_size, strides, padding, dilation_rate, groups); Keras refuses strides > 1 with
# dilation > 1. Sizes 5 x 6 x 4: "same" with strides 2 pads unevenly on some axes.
_CASES = [
    (3, 1, "valid", 1, 1),
    (2, 2, "same", 1, 1),
    ((3, 2, 1), (2, 1, 2), "same", 1, 1),
    (2, 1, "valid", (2, 1, 1), 1),
    (3, 1, "same", 2, 2),
]


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel_size,strides,padding,dilation_rate,groups", _CASES)
def test_conv3d_matches_keras(kernel_size, strides, padding, dilation_rate, groups, data_format):
    kwargs = {"filters": 4, "kernel_size": kernel_size, "strides": strides, "padding": padding,
              "dilation_rate": dilation_rate, "groups": groups, "data_format": data_format,
              "bias_initializer": "uniform"}
    x_shape = (2, 5, 6, 4, 2) if data_format == "channels_last" else (2, 2, 5, 6, 4)
    expected = keras.layers.Conv3D(**kwargs).compute_output_shape(x_shape)
    run_layer_test(
        Conv3D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.Conv3D,
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv3d_gradients_match_keras(data_format):
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 3, 2)).astype("float32")
    assert_gradients_match_keras(
        Conv3D, keras.layers.Conv3D,
        {"filters": 3, "kernel_size": 2, "strides": 2, "padding": "same",
         "data_format": data_format}, x)


def test_conv3d_alias_weights_and_written_out():
    assert Convolution3D is Conv3D
    layer = Conv3D(3, (2, 1, 2), use_bias=False)
    x = np.random.default_rng(2).standard_normal((1, 3, 2, 4, 2)).astype("float32")
    y = layer(x).detach().numpy()
    k = layer.get_weights()[0]
    assert k.shape == (2, 1, 2, 2, 3)  # Keras's (kd, kh, kw, in, out)
    expected = np.array([[[np.einsum("dhwc,dhwcf->f", x[0, d:d + 2, h:h + 1, w:w + 2], k)
                           for w in range(3)] for h in range(2)] for d in range(2)])
    np.testing.assert_allclose(y[0], expected, atol=1e-5)


def test_conv3d_errors():
    with pytest.raises(ValueError, match=r'Layer "conv3d" \(Conv3D\) expects inputs of rank 5 '
                                         r"\(batch, depth, height, width, channels\); got "
                                         r".*\(None, 8, 8, 3\)"):
        Conv3D(2, 3)(sloi.Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match=r'Layer "conv3d_1" \(Conv3D\): kernel_size \(3, 3, 3\) '
                                         r"is larger than the spatial size \(2, 5, 5\).*"
                                         r"\(None, 2, 5, 5, 1\)"):
        Conv3D(2, 3)(sloi.Input(shape=(2, 5, 5, 1)))
    with pytest.raises(ValueError, match=r"Conv3D\): `padding` must be one of"):
        Conv3D(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"Conv3D\): `kernel_size` must be an integer or a "
                                         r"tuple of 3"):
        Conv3D(2, (3, 3))


def test_conv3d_output_is_contiguous_channels_last():
    y = Conv3D(5, 3, padding="same")(torch.randn(2, 4, 5, 6, 3))
    assert y.shape == (2, 4, 5, 6, 5) and y.is_contiguous()
