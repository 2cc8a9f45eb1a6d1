import keras
import numpy as np
import pytest

from sloi.layers import AdaptiveAveragePooling3D
from tests.layers.pooling.adaptive_cases import (
    OUTPUT_SIZES,
    check_errors,
    check_matches_keras,
    check_windows_written_out,
)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("output_size", OUTPUT_SIZES[3])
def test_adaptive_average_pooling3d_matches_keras(output_size, data_format):
    check_matches_keras(AdaptiveAveragePooling3D, keras.layers.AdaptiveAveragePooling3D, 3,
                        output_size, data_format)


def test_adaptive_average_pooling3d_windows_written_out():
    check_windows_written_out(AdaptiveAveragePooling3D, 3, np.mean)


def test_adaptive_average_pooling3d_errors():
    check_errors(AdaptiveAveragePooling3D, 3)
