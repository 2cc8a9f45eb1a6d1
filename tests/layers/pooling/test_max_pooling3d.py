import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import MaxPool3D, MaxPooling3D
from tests.conformance import run_layer_test
from tests.layers.pooling.pooling3d_cases import CASES, INPUT_SHAPE, INPUT_SHAPE_CHANNELS_FIRST


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("pool_size,strides,padding", CASES)
def test_max_pooling3d_matches_keras(pool_size, strides, padding, data_format):
    kwargs = {"pool_size": pool_size, "strides": strides, "padding": padding,
              "data_format": data_format}
    x_shape = INPUT_SHAPE if data_format == "channels_last" else INPUT_SHAPE_CHANNELS_FIRST
    expected = keras.layers.MaxPooling3D(**kwargs).compute_output_shape(x_shape)
    run_layer_test(
        MaxPooling3D, kwargs, input_shape=x_shape, expected_output_shape=expected,
        supports_masking=False, keras_layer_cls=keras.layers.MaxPooling3D,
    )


def test_max_pooling3d_defaults_alias_and_written_out():
    assert MaxPool3D is MaxPooling3D
    layer = MaxPooling3D()
    assert layer.pool_size == (2, 2, 2) and layer.strides == (2, 2, 2)
    x = np.random.default_rng(0).standard_normal((1, 4, 2, 6, 3)).astype("float32")
    y = layer(x)
    assert y.shape == (1, 2, 1, 3, 3) and y.is_contiguous()
    blocks = x.reshape(1, 2, 2, 1, 2, 3, 2, 3).transpose(0, 1, 3, 5, 2, 4, 6, 7)
    np.testing.assert_allclose(y.numpy(), np.max(blocks.reshape(1, 2, 1, 3, 8, 3), axis=4),
                               atol=1e-6)


def test_max_pooling3d_errors():
    with pytest.raises(ValueError, match=r'"max_pooling3d" \(MaxPooling3D\) expects '
                                         r"inputs of rank 5 \(batch, depth, height, width, "
                                         r"channels\);.*\(None, 4, 4, 2\)"):
        MaxPooling3D()(sloi.Input(shape=(4, 4, 2)))
    with pytest.raises(ValueError, match=r"MaxPooling3D\): pool_size \(3, 3, 3\) is larger "
                                         r"than the spatial size \(2, 5, 5\)"):
        MaxPooling3D(3)(torch.zeros(1, 2, 5, 5, 1))
    with pytest.raises(ValueError, match=r"MaxPooling3D\): `pool_size` must be an integer "
                                         r"or a tuple of 3"):
        MaxPooling3D((2, 2))
