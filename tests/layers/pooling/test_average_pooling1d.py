import keras
import numpy as np
import pytest

import sloi
from sloi.layers import AveragePooling1D, AvgPool1D
from tests.conformance import run_layer_test
from tests.layers.pooling.pooling1d_cases import CASES


@pytest.mark.parametrize("steps,pool_size,strides,padding", CASES)
def test_average_pooling1d_matches_keras(steps, pool_size, strides, padding):
    kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding}
    expected = keras.layers.AveragePooling1D(**kwargs).compute_output_shape((2, steps, 3))
    run_layer_test(
        AveragePooling1D, kwargs, input_shape=(2, steps, 3), expected_output_shape=expected,
        supports_masking=False, keras_layer_cls=keras.layers.AveragePooling1D,
    )


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_average_pooling1d_channels_first_matches_keras(padding):
    kwargs = {"pool_size": 3, "strides": 2, "padding": padding, "data_format": "channels_first"}
    expected = keras.layers.AveragePooling1D(**kwargs).compute_output_shape((2, 3, 8))
    run_layer_test(
        AveragePooling1D, kwargs, input_shape=(2, 3, 8), expected_output_shape=expected,
        keras_layer_cls=keras.layers.AveragePooling1D,
    )


def test_average_pooling1d_defaults_alias_and_written_out():
    assert AvgPool1D is AveragePooling1D
    layer = AveragePooling1D()
    assert layer.pool_size == (2,) and layer.strides == (2,) and layer.padding == "valid"
    x = np.array([[1, 5, 2, -1, 3, 4, 9]], dtype="float32")[:, :, None]
    np.testing.assert_allclose(layer(x).detach().numpy()[0, :, 0], [3, 0.5, 3.5])
    # even "same" padding (one step each side for pool 3, stride 1) is left out of the mean
    y = AveragePooling1D(3, strides=1, padding="same")(x).detach().numpy()[0, :, 0]
    np.testing.assert_allclose(y[0], (1 + 5) / 2)
    np.testing.assert_allclose(y[-1], (4 + 9) / 2)


def test_average_pooling1d_errors():
    with pytest.raises(ValueError, match=r'Layer "average_pooling1d" \(AveragePooling1D\): '
                                         r"pool_size \(5,\) is larger .*\(None, 4, 2\)"):
        AveragePooling1D(5)(sloi.Input(shape=(4, 2)))
    with pytest.raises(ValueError, match=r"\(AveragePooling1D\) expects inputs of rank 3"):
        AveragePooling1D()(sloi.Input(shape=(10,)))
    with pytest.raises(ValueError, match=r"AveragePooling1D\): `strides` must be positive"):
        AveragePooling1D(2, strides=0)
