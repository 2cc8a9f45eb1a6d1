import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import AveragePooling2D
from tests.conformance import assert_gradients_match_keras, run_layer_test
from tests.layers.pooling.pooling_cases import CASES, INPUT_SHAPE


@pytest.mark.parametrize("pool_size,strides,padding", CASES)
def test_average_pooling2d_matches_keras(pool_size, strides, padding):
    kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding}
    expected = keras.layers.AveragePooling2D(**kwargs).compute_output_shape(INPUT_SHAPE)
    run_layer_test(
        AveragePooling2D, kwargs, input_shape=INPUT_SHAPE, expected_output_shape=expected,
        supports_masking=False, keras_layer_cls=keras.layers.AveragePooling2D,
    )


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_average_pooling2d_channels_first_matches_keras(padding):
    kwargs = {"pool_size": 3, "strides": 2, "padding": padding, "data_format": "channels_first"}
    expected = keras.layers.AveragePooling2D(**kwargs).compute_output_shape((2, 3, 7, 6))
    run_layer_test(
        AveragePooling2D, kwargs, input_shape=(2, 3, 7, 6), expected_output_shape=expected,
        keras_layer_cls=keras.layers.AveragePooling2D,
    )


def _pool_row(row, **kwargs):
    """Average-pool a one-row image with (1, k) windows."""
    x = np.asarray(row, "float32").reshape(1, 1, -1, 1)
    return AveragePooling2D(**kwargs)(x).detach().numpy().ravel()


def test_average_pooling2d_same_padding_written_out():
    row = [0, 1, 2, 3, 4, 5]
    # even padding (1 each side) is left out of the average
    np.testing.assert_allclose(
        _pool_row(row, pool_size=(1, 3), strides=1, padding="same"),
        [(0 + 1) / 2, 1, 2, 3, 4, (4 + 5) / 2])
    # uneven padding (0 before, 1 after): Keras 3 on PyTorch repeats the edge value and counts it
    np.testing.assert_allclose(
        _pool_row(row, pool_size=(1, 3), strides=2, padding="same"),
        [1, 3, (4 + 5 + 5) / 3], rtol=1e-6)
    # uneven padding (1 before, 2 after)
    np.testing.assert_allclose(
        _pool_row(row, pool_size=(1, 4), strides=1, padding="same"),
        [(0 + 0 + 1 + 2) / 4, 1.5, 2.5, 3.5, (3 + 4 + 5 + 5) / 4, (4 + 5 + 5 + 5) / 4])
    # valid: plain means of side-by-side windows
    np.testing.assert_allclose(_pool_row(row, pool_size=(1, 2)), [0.5, 2.5, 4.5])


def test_average_pooling2d_gradients_match_keras():
    kwargs = {"pool_size": 3, "strides": 2, "padding": "same"}
    x = np.random.default_rng(0).standard_normal((2, 6, 7, 2)).astype("float32")
    assert_gradients_match_keras(AveragePooling2D, keras.layers.AveragePooling2D, kwargs, x,
                                 atol=1e-6)


def test_average_pooling2d_pool_larger_than_input_is_refused():
    with pytest.raises(ValueError, match=r'Layer "average_pooling2d" \(AveragePooling2D\): '
                                         r"pool_size \(4, 4\) is larger than .*\(3, 8\).*"
                                         r"\(None, 3, 8, 1\)"):
        AveragePooling2D(4)(sloi.Input(shape=(3, 8, 1)))
    layer = AveragePooling2D(2)
    with pytest.raises(ValueError, match=r"larger than.*got input shape \(1, 1, 4, 2\)"):
        layer(torch.zeros(1, 1, 4, 2))


def test_average_pooling2d_rank_is_checked():
    with pytest.raises(ValueError, match=r"\(AveragePooling2D\) expects inputs of rank 4"):
        AveragePooling2D()(sloi.Input(shape=(4, 4, 4, 1)))
