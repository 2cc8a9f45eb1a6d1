import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import MaxPool1D, MaxPooling1D
from tests.conformance import run_layer_test
from tests.layers.pooling.pooling1d_cases import CASES


@pytest.mark.parametrize("steps,pool_size,strides,padding", CASES)
def test_max_pooling1d_matches_keras(steps, pool_size, strides, padding):
    kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding}
    expected = keras.layers.MaxPooling1D(**kwargs).compute_output_shape((2, steps, 3))
    run_layer_test(
        MaxPooling1D, kwargs, input_shape=(2, steps, 3), expected_output_shape=expected,
        supports_masking=False, keras_layer_cls=keras.layers.MaxPooling1D,
    )


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_max_pooling1d_channels_first_matches_keras(padding):
    kwargs = {"pool_size": 3, "strides": 2, "padding": padding, "data_format": "channels_first"}
    expected = keras.layers.MaxPooling1D(**kwargs).compute_output_shape((2, 3, 8))
    run_layer_test(
        MaxPooling1D, kwargs, input_shape=(2, 3, 8), expected_output_shape=expected,
        keras_layer_cls=keras.layers.MaxPooling1D,
    )


def test_max_pooling1d_defaults_alias_and_written_out():
    assert MaxPool1D is MaxPooling1D
    layer = MaxPooling1D()
    assert layer.pool_size == (2,) and layer.strides == (2,) and layer.padding == "valid"
    assert layer.data_format == "channels_last"
    x = np.array([[1, 5, 2, -1, 3, 4, 9]], dtype="float32")[:, :, None]
    np.testing.assert_array_equal(layer(x).detach().numpy()[0, :, 0], [5, 2, 4])
    assert MaxPooling1D(3)(sloi.Input(shape=(996, 20))).shape == (None, 332, 20)
    assert MaxPooling1D()(sloi.Input(shape=(None, 20))).shape == (None, None, 20)


def test_max_pooling1d_padding_never_wins():
    x = -1.0 - np.arange(5, dtype="float32").reshape(1, 5, 1)  # all negative
    y = MaxPooling1D(2, padding="same")(x).detach().numpy()[0, :, 0]
    np.testing.assert_allclose(y, [-1, -3, -5])


def test_max_pooling1d_output_is_contiguous_channels_last():
    y = MaxPooling1D()(torch.randn(2, 10, 5))
    assert y.shape == (2, 5, 5) and y.is_contiguous()


def test_max_pooling1d_errors():
    with pytest.raises(ValueError, match=r'Layer "max_pooling1d" \(MaxPooling1D\): pool_size '
                                         r"\(4,\) is larger than the spatial size \(3,\).*"
                                         r"\(None, 3, 2\)"):
        MaxPooling1D(4)(sloi.Input(shape=(3, 2)))
    with pytest.raises(ValueError, match=r"\(MaxPooling1D\): pool_size \(4,\) is larger .*"
                                         r"\(1, 3, 2\)"):
        MaxPooling1D(4)(torch.randn(1, 3, 2))
    with pytest.raises(ValueError, match=r'"max_pooling1d_2" \(MaxPooling1D\) expects inputs of '
                                         r"rank 3 \(batch, steps, channels\)"):
        MaxPooling1D()(sloi.Input(shape=(10, 3, 3)))
    with pytest.raises(ValueError, match=r"MaxPooling1D\): `padding` must be one of"):
        MaxPooling1D(padding="causal")
    with pytest.raises(ValueError, match=r"MaxPooling1D\): `pool_size` must be an integer or a "
                                         r"tuple of 1"):
        MaxPooling1D((2, 2))
