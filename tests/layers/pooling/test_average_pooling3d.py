import keras
import numpy as np
import pytest

from sloi.layers import AveragePooling3D, AvgPool3D
from tests.layers.pooling.pooling3d_cases import (
    CASES,
    check_defaults_and_written_out,
    check_errors,
    check_matches_keras,
)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("pool_size,strides,padding", CASES)
def test_average_pooling3d_matches_keras(pool_size, strides, padding, data_format):
    check_matches_keras(AveragePooling3D, keras.layers.AveragePooling3D, pool_size, strides, padding,
                        data_format)


def test_average_pooling3d_defaults_alias_and_written_out():
    assert AvgPool3D is AveragePooling3D
    check_defaults_and_written_out(AveragePooling3D, np.mean)


def test_average_pooling3d_errors():
    check_errors(AveragePooling3D, "average_pooling3d")
