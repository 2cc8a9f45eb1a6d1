import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import MaxPooling2D
from tests.conformance import run_layer_test
from tests.layers.pooling.pooling_cases import CASES, INPUT_SHAPE


@pytest.mark.parametrize("pool_size,strides,padding", CASES)
def test_max_pooling2d_matches_keras(pool_size, strides, padding):
    kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding}
    expected = keras.layers.MaxPooling2D(**kwargs).compute_output_shape(INPUT_SHAPE)
    run_layer_test(
        MaxPooling2D, kwargs, input_shape=INPUT_SHAPE, expected_output_shape=expected,
        supports_masking=False, keras_layer_cls=keras.layers.MaxPooling2D,
    )


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pooling2d_channels_first_matches_keras(padding):
    kwargs = {"pool_size": 3, "strides": 2, "padding": padding, "data_format": "channels_first"}
    expected = keras.layers.MaxPooling2D(**kwargs).compute_output_shape((2, 3, 7, 6))
    run_layer_test(
        MaxPooling2D, kwargs, input_shape=(2, 3, 7, 6), expected_output_shape=expected,
        keras_layer_cls=keras.layers.MaxPooling2D,
    )


def test_max_pooling2d_defaults_and_lecture_shape():
    layer = MaxPooling2D()
    assert layer.pool_size == (2, 2) and layer.strides == (2, 2) and layer.padding == "valid"
    assert MaxPooling2D((2, 2))(sloi.Input(shape=(57, 57, 32))).shape == (None, 28, 28, 32)


def test_max_pooling2d_padding_never_wins():
    # all-negative input: zero padding would show up as 0 in the edge windows
    x = -1.0 - np.arange(9, dtype="float32").reshape(1, 3, 3, 1)
    y = MaxPooling2D(2, padding="same")(x).detach().numpy()[0, :, :, 0]
    np.testing.assert_allclose(y, [[-1, -3], [-7, -9]])


def test_max_pooling2d_output_is_contiguous_channels_last():
    y = MaxPooling2D()(torch.randn(2, 6, 6, 5))
    assert y.shape == (2, 3, 3, 5) and y.is_contiguous()


def test_max_pooling2d_pool_larger_than_input_is_refused():
    with pytest.raises(ValueError, match=r'Layer "max_pooling2d" \(MaxPooling2D\): pool_size '
                                         r"\(3, 3\) is larger than .*\(2, 5\).*"
                                         r"\(None, 2, 5, 4\)"):
        MaxPooling2D(3)(sloi.Input(shape=(2, 5, 4)))


def test_max_pooling2d_rank_and_arguments_are_checked():
    with pytest.raises(ValueError, match=r'"max_pooling2d" \(MaxPooling2D\) expects inputs of '
                                         r"rank 4 \(batch, height, width, channels\)"):
        MaxPooling2D()(sloi.Input(shape=(10, 3)))
    with pytest.raises(ValueError, match=r"MaxPooling2D\): `padding` must be one of"):
        MaxPooling2D(padding="causal")
    with pytest.raises(ValueError, match=r"MaxPooling2D\): `pool_size` must be an integer or a "
                                         r"tuple of 2"):
        MaxPooling2D((2, 2, 2))
