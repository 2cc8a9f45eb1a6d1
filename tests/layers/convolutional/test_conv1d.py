import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Conv1D
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("kernel_size,strides,dilation_rate", [
    (3, 1, 1), (4, 2, 1), (3, 3, 1), (3, 1, 2), (2, 1, 3),
])
def test_conv1d_padding_strides_dilation_match_keras(padding, kernel_size, strides,
                                                     dilation_rate):
    kwargs = {"filters": 4, "kernel_size": kernel_size, "strides": strides,
              "padding": padding, "dilation_rate": dilation_rate}
    expected = keras.layers.Conv1D(**kwargs).compute_output_shape((2, 11, 3))
    run_layer_test(
        Conv1D, kwargs, input_shape=(2, 11, 3), expected_output_shape=expected,
        expected_num_trainable_weights=2, supports_masking=False,
        keras_layer_cls=keras.layers.Conv1D,
    )


@pytest.mark.parametrize("groups,padding,data_format", [
    (2, "same", "channels_last"), (1, "causal", "channels_first"), (4, "valid", "channels_first"),
])
def test_conv1d_groups_and_data_format_match_keras(groups, padding, data_format):
    kwargs = {"filters": 8, "kernel_size": 3, "padding": padding, "groups": groups,
              "data_format": data_format, "activation": "relu"}
    x_shape = (2, 9, 4) if data_format == "channels_last" else (2, 4, 9)
    expected = keras.layers.Conv1D(**kwargs).compute_output_shape(x_shape)
    layer, _ = run_layer_test(
        Conv1D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        expected_num_trainable_weights=2, keras_layer_cls=keras.layers.Conv1D,
    )
    assert layer.kernel.shape == (3, 4 // groups, 8)


def test_conv1d_causal_output_only_sees_the_past():
    layer = Conv1D(2, 3, padding="causal", dilation_rate=2)
    x = torch.randn(1, 10, 3)
    y = layer(x)
    x2 = x.clone()
    x2[:, 6:] += 1.0  # changing the future must not change outputs before step 6
    torch.testing.assert_close(layer(x2)[:, :6], y[:, :6])
    assert not torch.allclose(layer(x2)[:, 6:], y[:, 6:])


def test_conv1d_output_is_contiguous_and_gradients_match_keras():
    kwargs = {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same"}
    x = np.random.default_rng(0).standard_normal((2, 9, 5)).astype("float32")
    assert Conv1D(**kwargs)(x).is_contiguous()
    assert_gradients_match_keras(Conv1D, keras.layers.Conv1D, kwargs, x)


def test_conv1d_errors():
    with pytest.raises(ValueError, match=r'Layer "conv1d" \(Conv1D\) expects inputs of rank 3 '
                                         r"\(batch, steps, channels\)"):
        Conv1D(2, 3)(sloi.Input(shape=(8, 8, 1)))
    with pytest.raises(ValueError, match=r"\(Conv1D\): kernel_size \(5,\) is larger than the "
                                         r"spatial size \(4,\).*\(None, 4, 2\)"):
        Conv1D(2, 5)(sloi.Input(shape=(4, 2)))
    assert Conv1D(2, 5, padding="causal")(sloi.Input(shape=(4, 2))).shape == (None, 4, 2)


@pytest.mark.parametrize("padding", ["valid", "same", "causal"])
@pytest.mark.parametrize("groups,strides,dilation_rate", [(2, 1, 1), (2, 2, 1), (4, 1, 2)])
def test_conv1d_groups_with_padding_strides_dilation_match_keras(padding, groups, strides,
                                                                 dilation_rate):
    kwargs = {"filters": 8, "kernel_size": 3, "strides": strides, "padding": padding,
              "dilation_rate": dilation_rate, "groups": groups, "bias_initializer": "uniform"}
    expected = keras.layers.Conv1D(**kwargs).compute_output_shape((2, 10, 4))
    layer, _ = run_layer_test(
        Conv1D, kwargs, input_shape=(2, 10, 4), expected_output_shape=expected,
        expected_num_trainable_weights=2, keras_layer_cls=keras.layers.Conv1D,
    )
    assert layer.kernel.shape == (3, 4 // groups, 8)


def test_conv1d_kernel_longer_than_the_sequence_is_refused_naming_layer_and_shapes():
    with pytest.raises(ValueError, match=r'^Layer "conv1d" \(Conv1D\): kernel_size \(5,\) is '
                                         r"larger than the spatial size \(4,\) of the input with "
                                         r'padding="valid"; got input shape \(None, 4, 2\)$'):
        Conv1D(2, 5)(sloi.Input(shape=(4, 2)))
    # eager, and a dilated kernel: the message says what the kernel covers
    with pytest.raises(ValueError, match=r'^Layer "conv1d_1" \(Conv1D\): kernel_size \(3,\) with '
                                         r"dilation_rate \(3,\) \(covering \(7,\)\) is larger "
                                         r"than the spatial size \(6,\).*\(1, 6, 2\)$"):
        Conv1D(2, 3, dilation_rate=3)(torch.randn(1, 6, 2))
    # a length unknown when the model is built is checked when data arrives
    model = sloi.Sequential([sloi.Input(shape=(None, 2)), Conv1D(2, 5)])
    with pytest.raises(ValueError, match=r"\(Conv1D\): kernel_size \(5,\) is larger than the "
                                         r"spatial size \(3,\).*\(1, 3, 2\)"):
        model(torch.randn(1, 3, 2))
    # "same" and "causal" padding make any length fit, as in Keras
    assert Conv1D(2, 5, padding="same")(sloi.Input(shape=(4, 2))).shape == (None, 4, 2)


def test_conv1d_argument_errors_name_the_layer():
    with pytest.raises(ValueError, match=r'Layer "conv1d" \(Conv1D\): filters \(6\) must be '
                                         r"divisible by groups \(4\)"):
        Conv1D(6, 3, groups=4)
    with pytest.raises(ValueError, match=r"\(Conv1D\): the input's 6 channels must be divisible "
                                         r"by groups \(4\); got shape \(None, 10, 6\)"):
        Conv1D(8, 3, groups=4)(sloi.Input(shape=(10, 6)))
    with pytest.raises(ValueError, match=r"\(Conv1D\): strides \(2,\) above 1 cannot be combined "
                                         r"with dilation_rate \(2,\)"):
        Conv1D(2, 3, strides=2, dilation_rate=2)


def test_lecture_embedding_then_conv1d_shape_and_parameters():
    # the lecture's model: 50-word vocabulary, 10-dimensional embedding, 1000-word texts
    model = sloi.Sequential()
    model.add(sloi.layers.Embedding(50, 10, input_length=1000))
    model.add(Conv1D(20, 5, activation="relu"))
    assert model.output_shape == (None, 996, 20)
    assert model.count_params() == 1520  # 50 * 10 + (5 * 10 * 20 + 20)
    assert [layer.count_params() for layer in model.layers] == [500, 1020]
