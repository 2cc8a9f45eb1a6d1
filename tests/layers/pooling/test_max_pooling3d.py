import keras
import numpy as np
import pytest

from sloi.layers import MaxPool3D, MaxPooling3D
from tests.layers.pooling.pooling3d_cases import (
    CASES,
    check_defaults_and_written_out,
    check_errors,
    check_matches_keras,
)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("pool_size,strides,padding", CASES)
def test_max_pooling3d_matches_keras(pool_size, strides, padding, data_format):
    check_matches_keras(MaxPooling3D, keras.layers.MaxPooling3D, pool_size, strides, padding,
                        data_format)


def test_max_pooling3d_defaults_alias_and_written_out():
    assert MaxPool3D is MaxPooling3D
    y = check_defaults_and_written_out(MaxPooling3D, np.max)
    assert y.is_contiguous()


def test_max_pooling3d_errors():
    check_errors(MaxPooling3D, "max_pooling3d")
