import keras
import numpy as np
import pytest

import sloi
from sloi.layers import ZeroPadding3D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("padding,data_format,expected", [
    (((1, 1), (1, 1), (1, 1)), "channels_last", (2, 5, 4, 5, 2)),
    (2, "channels_last", (2, 7, 6, 7, 2)),
    ((1, 0, 2), "channels_last", (2, 5, 2, 7, 2)),
    (((0, 1), (2, 0), (1, 3)), "channels_last", (2, 4, 4, 7, 2)),
    (((0, 1), (2, 0), (1, 3)), "channels_first", (2, 3, 3, 5, 6)),
])
def test_zero_padding3d_matches_keras(padding, data_format, expected):
    # channels first reads (2, 3, 2, 3, 2) as 3 channels of 2 x 3 x 2
    run_layer_test(
        ZeroPadding3D, {"padding": padding, "data_format": data_format},
        input_shape=(2, 3, 2, 3, 2), expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.ZeroPadding3D,
    )


def test_zero_padding3d_written_out_and_errors():
    x = np.ones((1, 1, 2, 1, 1), dtype="float32")
    y = ZeroPadding3D(((1, 0), (0, 1), (1, 1)))(x).numpy()[0, :, :, :, 0]
    expected = np.zeros((2, 3, 3), dtype="float32")
    expected[1, :2, 1] = 1
    np.testing.assert_array_equal(y, expected)
    assert ZeroPadding3D(1)(sloi.Input(shape=(None, 4, 4, 2))).shape == (None, None, 6, 6, 2)
    with pytest.raises(ValueError, match=r'"zero_padding3d(_\d+)?" \(ZeroPadding3D\) expects '
                                         r"inputs of rank 5.*\(None, 5, 3\)"):
        ZeroPadding3D()(sloi.Input(shape=(5, 3)))
    with pytest.raises(ValueError, match=r"ZeroPadding3D\): `padding\[2\] \(before, after\)` "
                                         r"must be >= 0"):
        ZeroPadding3D((1, 1, -1))
