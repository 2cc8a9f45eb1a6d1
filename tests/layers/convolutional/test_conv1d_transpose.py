import itertools

import keras
import numpy as np
import pytest

import sloi
from sloi.layers import Conv1DTranspose, Convolution1DTranspose
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("kernel_size,strides,dilation_rate,padding,output_padding", [
    (3, 1, 1, "valid", None),
    (3, 2, 1, "valid", None),
    (2, 3, 1, "valid", None),   # a stride wider than the kernel: zero steps in between
    (3, 2, 1, "valid", 1),
    (4, 3, 1, "valid", 2),
    (3, 1, 1, "same", None),
    (3, 2, 1, "same", None),    # odd surplus: the extra step comes off the end
    (4, 2, 1, "same", None),
    (1, 3, 1, "same", None),    # Keras asks for more steps than torch's full output
    (3, 2, 1, "same", 0),
    (4, 3, 1, "same", 1),
    (5, 2, 1, "same", 1),
    (3, 1, 2, "valid", None),
    (3, 1, 2, "same", None),
    (2, 1, 3, "same", 0),
])
def test_conv1d_transpose_matches_keras(kernel_size, strides, dilation_rate, padding,
                                        output_padding):
    kwargs = {"filters": 4, "kernel_size": kernel_size, "strides": strides, "padding": padding,
              "output_padding": output_padding, "dilation_rate": dilation_rate,
              "bias_initializer": "uniform"}
    expected = tuple(keras.layers.Conv1DTranspose(**kwargs).compute_output_shape((2, 7, 3)))
    layer, _ = run_layer_test(
        Conv1DTranspose, kwargs, input_shape=(2, 7, 3), expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.Conv1DTranspose,
    )
    assert layer.kernel.shape == (kernel_size, 4, 3)  # Keras's (kernel, filters, in)


@pytest.mark.parametrize("padding,strides,use_bias", [
    ("valid", 2, True), ("same", 3, False), ("same", 1, True),
])
def test_conv1d_transpose_channels_first_activation_bias_match_keras(padding, strides, use_bias):
    kwargs = {"filters": 5, "kernel_size": 3, "strides": strides, "padding": padding,
              "data_format": "channels_first", "activation": "tanh", "use_bias": use_bias}
    expected = tuple(keras.layers.Conv1DTranspose(**kwargs).compute_output_shape((2, 3, 6)))
    run_layer_test(
        Conv1DTranspose, kwargs, input_shape=(2, 3, 6), expected_output_shape=expected,
        expected_num_trainable_weights=2 if use_bias else 1,
        keras_layer_cls=keras.layers.Conv1DTranspose,
    )


def test_conv1d_transpose_output_length_formula_matches_keras():
    for k, s, d, padding, op, steps in itertools.product(
            [1, 2, 3, 4, 5], [1, 2, 3], [1, 2], ["valid", "same"], [None, 0, 1, 2],
            [None, 1, 5, 8]):
        if (s > 1 and d > 1) or (op is not None and op >= s):
            continue
        if padding == "same" and op == 0 and steps == 1 and ((k - 1) * d + 1) % 2 == 0:
            continue  # no output step at all: sloi refuses it (see test_conv1d_transpose_errors)
        kwargs = {"filters": 2, "kernel_size": k, "strides": s, "dilation_rate": d,
                  "padding": padding, "output_padding": op}
        ours = Conv1DTranspose(**kwargs).compute_output_shape((None, steps, 3))
        theirs = keras.layers.Conv1DTranspose(**kwargs).compute_output_shape((None, steps, 3))
        assert ours == tuple(theirs), (kwargs, steps, ours, theirs)


def test_conv1d_transpose_inverts_conv1d_lengths_and_written_out():
    assert Convolution1DTranspose is Conv1DTranspose
    x = sloi.Input(shape=(25, 16))
    assert Conv1DTranspose(8, 3, strides=2, padding="same")(x).shape == (None, 50, 8)
    assert Conv1DTranspose(8, 3, strides=2)(x).shape == (None, 51, 8)
    # a one-channel, one-filter kernel [1, 10] spread with stride 2 and no overlap
    layer = Conv1DTranspose(1, 2, strides=2, use_bias=False)
    layer.build((None, 3, 1))
    layer.set_weights([np.array([1.0, 10.0], dtype="float32").reshape(2, 1, 1)])
    y = layer(np.array([[1.0, 2.0, 3.0]], dtype="float32")[:, :, None]).detach().numpy()
    np.testing.assert_array_equal(y[0, :, 0], [1, 10, 2, 20, 3, 30])


def test_conv1d_transpose_gradients_match_keras():
    kwargs = {"filters": 3, "kernel_size": 3, "strides": 2, "padding": "same"}
    x = np.random.default_rng(0).standard_normal((2, 6, 4)).astype("float32")
    assert_gradients_match_keras(Conv1DTranspose, keras.layers.Conv1DTranspose, kwargs, x)


def test_conv1d_transpose_errors():
    with pytest.raises(ValueError, match=r"Conv1DTranspose\): `padding` must be one of "
                                         r"\('valid', 'same'\); got 'causal'"):
        Conv1DTranspose(2, 3, padding="causal")
    with pytest.raises(ValueError, match=r"Conv1DTranspose\): `output_padding` must be below "
                                         r"`strides`; got output_padding \(2,\) with strides "
                                         r"\(2,\)"):
        Conv1DTranspose(2, 3, strides=2, output_padding=2)
    with pytest.raises(ValueError, match=r"Conv1DTranspose\): strides \(2,\) above 1 cannot be "
                                         r"combined with dilation_rate \(2,\)"):
        Conv1DTranspose(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=r'"conv1d_transpose_3" \(Conv1DTranspose\) expects '
                                         r"inputs of rank 3 \(batch, steps, channels\)"):
        Conv1DTranspose(2, 3)(sloi.Input(shape=(8, 8, 1)))
    with pytest.raises(ValueError, match=r"Conv1DTranspose\): kernel_size \(2,\), strides \(2,\) "
                                         r"and output_padding \(0,\) give no output step for "
                                         r"input shape \(None, 1, 3\)"):
        Conv1DTranspose(2, 2, strides=2, padding="same", output_padding=0)(
            sloi.Input(shape=(1, 3)))
    with pytest.raises(ValueError, match=r"Conv1DTranspose\): `filters` must be a positive"):
        Conv1DTranspose(0, 3)
