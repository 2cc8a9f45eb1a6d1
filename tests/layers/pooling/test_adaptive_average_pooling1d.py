import keras
import numpy as np
import pytest

from sloi.layers import AdaptiveAveragePooling1D
from tests.layers.pooling.adaptive_cases import (
    OUTPUT_SIZES,
    check_errors,
    check_matches_keras,
    check_windows_written_out,
)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("output_size", OUTPUT_SIZES[1])
def test_adaptive_average_pooling1d_matches_keras(output_size, data_format):
    check_matches_keras(AdaptiveAveragePooling1D, keras.layers.AdaptiveAveragePooling1D, 1,
                        output_size, data_format)


def test_adaptive_average_pooling1d_windows_written_out():
    check_windows_written_out(AdaptiveAveragePooling1D, 1, np.mean)


def test_adaptive_average_pooling1d_errors():
    check_errors(AdaptiveAveragePooling1D, 1)
