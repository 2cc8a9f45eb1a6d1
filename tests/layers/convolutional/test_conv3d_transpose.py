import keras
import numpy as np
import pytest

import sloi
from sloi.layers import Conv3DTranspose, Convolution3DTranspose
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel_size,strides,padding,output_padding,dilation_rate", [
    (2, 1, "valid", None, 1),
    ((3, 2, 2), (2, 1, 3), "valid", None, 1),
    (3, 2, "same", None, 1),
    ((2, 3, 1), 2, "same", (1, 0, 1), 1),
    (2, 1, "same", None, (2, 1, 1)),
])
def test_conv3d_transpose_matches_keras(kernel_size, strides, padding, output_padding,
                                        dilation_rate, data_format):
    kwargs = {"filters": 2, "kernel_size": kernel_size, "strides": strides, "padding": padding,
              "output_padding": output_padding, "dilation_rate": dilation_rate,
              "data_format": data_format, "bias_initializer": "uniform"}
    x_shape = (2, 3, 4, 2, 2) if data_format == "channels_last" else (2, 2, 3, 4, 2)
    expected = tuple(keras.layers.Conv3DTranspose(**kwargs).compute_output_shape(x_shape))
    layer, _ = run_layer_test(
        Conv3DTranspose, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.Conv3DTranspose,
    )
    assert layer.kernel.shape == layer.kernel_size + (2, 2)  # (kd, kh, kw, filters, in)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv3d_transpose_gradients_match_keras(data_format):
    x = np.random.default_rng(0).standard_normal((2, 3, 3, 2, 2)).astype("float32")
    assert_gradients_match_keras(
        Conv3DTranspose, keras.layers.Conv3DTranspose,
        {"filters": 2, "kernel_size": 2, "strides": (2, 1, 2), "padding": "same",
         "data_format": data_format}, x)


def test_conv3d_transpose_alias_argument_order_and_errors():
    assert Convolution3DTranspose is Conv3DTranspose
    # Keras's positional order here: ..., padding, data_format, output_padding
    layer = Conv3DTranspose(2, 3, 2, "same", "channels_first", 1)
    assert layer.data_format == "channels_first" and layer.output_padding == (1, 1, 1)
    assert Conv3DTranspose(8, 3, strides=2, padding="same")(
        sloi.Input(shape=(4, 8, 8, 16))).shape == (None, 8, 16, 16, 8)
    with pytest.raises(ValueError, match=r'"conv3d_transpose(_\d+)?" \(Conv3DTranspose\) expects '
                                         r"inputs of rank 5 \(batch, depth, height, width, "
                                         r"channels\);.*\(None, 8, 8, 3\)"):
        Conv3DTranspose(2, 3)(sloi.Input(shape=(8, 8, 3)))
    with pytest.raises(ValueError, match=r"Conv3DTranspose\): `output_padding` must be below"):
        Conv3DTranspose(2, 3, output_padding=1)
