import keras
import numpy as np
import pytest

import sloi
from sloi.layers import ZeroPadding1D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("padding,data_format,expected", [
    (1, "channels_last", (2, 7, 3)),
    (0, "channels_last", (2, 5, 3)),
    ((2, 0), "channels_last", (2, 7, 3)),
    ((0, 3), "channels_last", (2, 8, 3)),
    ((1, 2), "channels_first", (2, 5, 6)),  # reads (2, 5, 3) as 5 channels of 3 steps
])
def test_zero_padding1d_matches_keras(padding, data_format, expected):
    run_layer_test(
        ZeroPadding1D, {"padding": padding, "data_format": data_format},
        input_shape=(2, 5, 3), expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.ZeroPadding1D,
    )


def test_zero_padding1d_written_out_and_config():
    layer = ZeroPadding1D((1, 2))
    assert layer.get_config()["padding"] == (1, 2)
    assert ZeroPadding1D().padding == (1, 1)
    x = np.array([[[1, 10], [2, 20]]], dtype="float32")
    y = layer(x).detach().numpy()[0]
    np.testing.assert_array_equal(y, [[0, 0], [1, 10], [2, 20], [0, 0], [0, 0]])
    assert ZeroPadding1D(2)(sloi.Input(shape=(None, 4))).shape == (None, None, 4)


def test_zero_padding1d_errors():
    with pytest.raises(ValueError, match=r'"zero_padding1d" \(ZeroPadding1D\) expects inputs of '
                                         r"rank 3 \(batch, steps, channels\).*\(None, 5, 3, 2\)"):
        ZeroPadding1D()(sloi.Input(shape=(5, 3, 2)))
    with pytest.raises(ValueError, match=r"ZeroPadding1D\): `padding \(left, right\)` must be an "
                                         r"integer or a tuple of 2"):
        ZeroPadding1D((1, 2, 3))
    with pytest.raises(ValueError, match=r"ZeroPadding1D\): `padding \(left, right\)` must be "
                                         r">= 0; got \(-1, 0\)"):
        ZeroPadding1D((-1, 0))
