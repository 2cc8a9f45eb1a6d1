import keras
import numpy as np
import pytest

import sloi
from sloi.layers import Conv2DTranspose, Convolution2DTranspose
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("kernel_size,strides,padding,output_padding,dilation_rate", [
    (3, 1, "valid", None, 1),
    ((3, 2), (2, 3), "valid", None, 1),   # a stride wider than the kernel on one axis
    (3, 2, "same", None, 1),              # odd surplus: the extra row comes off the end
    ((4, 3), 2, "same", (1, 0), 1),
    (3, (2, 3), "valid", (1, 2), 1),
    (1, 3, "same", None, 1),              # Keras asks for more than torch's full output
    ((3, 2), 1, "same", None, (2, 1)),
])
def test_conv2d_transpose_matches_keras(kernel_size, strides, padding, output_padding,
                                        dilation_rate, data_format):
    kwargs = {"filters": 3, "kernel_size": kernel_size, "strides": strides, "padding": padding,
              "output_padding": output_padding, "dilation_rate": dilation_rate,
              "data_format": data_format, "bias_initializer": "uniform"}
    x_shape = (2, 5, 4, 2) if data_format == "channels_last" else (2, 2, 5, 4)
    expected = tuple(keras.layers.Conv2DTranspose(**kwargs).compute_output_shape(x_shape))
    layer, _ = run_layer_test(
        Conv2DTranspose, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.Conv2DTranspose,
    )
    assert layer.kernel.shape == layer.kernel_size + (3, 2)  # Keras's (kh, kw, filters, in)


@pytest.mark.parametrize("kwargs", [
    {"activation": "relu", "use_bias": False},
    {"kernel_regularizer": "l2", "bias_constraint": "non_neg", "kernel_initializer": "he_normal"},
])
def test_conv2d_transpose_other_arguments_match_keras(kwargs):
    run_layer_test(
        Conv2DTranspose, {"filters": 2, "kernel_size": 2, "strides": 2, **kwargs},
        input_shape=(2, 3, 3, 2), expected_output_shape=(2, 6, 6, 2),
        expected_num_trainable_weights=1 if kwargs.get("use_bias") is False else 2,
        keras_layer_cls=keras.layers.Conv2DTranspose,
    )


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv2d_transpose_gradients_match_keras(data_format):
    x = np.random.default_rng(0).standard_normal((2, 4, 5, 3)).astype("float32")
    assert_gradients_match_keras(
        Conv2DTranspose, keras.layers.Conv2DTranspose,
        {"filters": 2, "kernel_size": 3, "strides": 2, "padding": "same",
         "data_format": data_format}, x)


def test_conv2d_transpose_alias_and_written_out():
    assert Convolution2DTranspose is Conv2DTranspose
    assert Conv2DTranspose(8, 3, strides=2, padding="same")(
        sloi.Input(shape=(7, 7, 16))).shape == (None, 14, 14, 8)
    # one channel, one filter, a 2x2 kernel spread with stride 2: each pixel becomes a block
    layer = Conv2DTranspose(1, 2, strides=2, use_bias=False)
    layer.build((None, 2, 2, 1))
    k = np.array([[1.0, 10.0], [100.0, 1000.0]], dtype="float32")
    layer.set_weights([k.reshape(2, 2, 1, 1)])
    x = np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32").reshape(1, 2, 2, 1)
    y = layer(x).detach().numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, np.kron(x[0, :, :, 0], k))


def test_conv2d_transpose_errors():
    with pytest.raises(ValueError, match=r'"conv2d_transpose" \(Conv2DTranspose\) expects '
                                         r"inputs of rank 4 \(batch, height, width, channels\);"
                                         r".*\(None, 8, 3\)"):
        Conv2DTranspose(2, 3)(sloi.Input(shape=(8, 3)))
    with pytest.raises(ValueError, match=r"Conv2DTranspose\): `output_padding` must be below "
                                         r"`strides`; got output_padding \(1, 2\) with strides "
                                         r"\(2, 2\)"):
        Conv2DTranspose(2, 3, strides=2, output_padding=(1, 2))
    with pytest.raises(ValueError, match=r"Conv2DTranspose\): `padding` must be one of"):
        Conv2DTranspose(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"Conv2DTranspose\): strides \(2, 2\) above 1 cannot "
                                         r"be combined with dilation_rate"):
        Conv2DTranspose(2, 3, strides=2, dilation_rate=2)
    assert "groups" not in Conv2DTranspose(2, 3).get_config()
