import keras
import numpy as np
import pytest

from sloi.layers import GlobalMaxPool3D, GlobalMaxPooling3D
from tests.layers.pooling.pooling3d_cases import (
    GLOBAL_CASES,
    check_global_matches_keras,
    check_global_written_out_and_errors,
)


@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("data_format,expected", GLOBAL_CASES)
def test_global_max_pooling3d_matches_keras(data_format, expected, keepdims):
    check_global_matches_keras(GlobalMaxPooling3D, keras.layers.GlobalMaxPooling3D, data_format, expected,
                               keepdims)


def test_global_max_pooling3d_written_out_and_errors():
    assert GlobalMaxPool3D is GlobalMaxPooling3D
    check_global_written_out_and_errors(GlobalMaxPooling3D, "global_max_pooling3d", np.max)
