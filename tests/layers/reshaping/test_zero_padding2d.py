import keras
import numpy as np
import pytest

import sloi
from sloi.layers import ZeroPadding2D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("padding,data_format,expected", [
    (1, "channels_last", (2, 6, 7, 3)),
    ((2, 0), "channels_last", (2, 8, 5, 3)),
    (((1, 2), (3, 0)), "channels_last", (2, 7, 8, 3)),
    (((0, 1), (2, 3)), "channels_first", (2, 4, 6, 8)),
])
def test_zero_padding2d_matches_keras(padding, data_format, expected):
    # channels first reads (2, 4, 5, 3) as 4 channels of 5 x 3
    run_layer_test(
        ZeroPadding2D, {"padding": padding, "data_format": data_format}, input_shape=(2, 4, 5, 3),
        expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.ZeroPadding2D,
    )


def test_zero_padding2d_written_out_and_config():
    layer = ZeroPadding2D(((1, 0), (0, 2)))
    assert layer.get_config()["padding"] == ((1, 0), (0, 2))
    assert ZeroPadding2D().padding == ((1, 1), (1, 1))
    x = np.arange(1, 5, dtype="float32").reshape(1, 2, 2, 1)
    y = layer(x).detach().numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, [[0, 0, 0, 0], [1, 2, 0, 0], [3, 4, 0, 0]])
    assert sloi.layers.ZeroPadding2D(2)(sloi.Input(shape=(None, 5, 3))).shape == (None, None, 9, 3)


def test_zero_padding2d_errors():
    with pytest.raises(ValueError, match=r'"zero_padding2d" \(ZeroPadding2D\) expects inputs of '
                                         r"rank 4.*\(None, 5, 3\)"):
        ZeroPadding2D()(sloi.Input(shape=(5, 3)))
    with pytest.raises(ValueError, match=r"ZeroPadding2D\): `padding` must be an int, a tuple"):
        ZeroPadding2D((1, 2, 3))
    with pytest.raises(ValueError, match=r"ZeroPadding2D\): `padding\[1\] \(left, right\)` must "
                                         r"be >= 0"):
        ZeroPadding2D(((1, 1), (-1, 0)))
