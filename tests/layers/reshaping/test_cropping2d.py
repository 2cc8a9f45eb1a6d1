import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Cropping2D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("cropping,data_format,expected", [
    (((0, 0), (0, 0)), "channels_last", (2, 5, 6, 3)),
    (1, "channels_last", (2, 3, 4, 3)),
    ((2, 1), "channels_last", (2, 1, 4, 3)),
    (((1, 2), (0, 3)), "channels_last", (2, 2, 3, 3)),
    (((0, 1), (2, 0)), "channels_first", (2, 5, 5, 1)),
    (1, "channels_first", (2, 5, 4, 1)),
])
def test_cropping2d_matches_keras(cropping, data_format, expected):
    # channels first reads (2, 5, 6, 3) as 5 channels of 6 x 3
    run_layer_test(
        Cropping2D, {"cropping": cropping, "data_format": data_format}, input_shape=(2, 5, 6, 3),
        expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.Cropping2D,
    )


def test_cropping2d_written_out_and_unknown_sizes():
    assert Cropping2D().cropping == ((0, 0), (0, 0))
    layer = Cropping2D(((1, 0), (0, 2)))
    assert layer.get_config()["cropping"] == ((1, 0), (0, 2))
    x = np.arange(12, dtype="float32").reshape(1, 3, 4, 1)
    np.testing.assert_array_equal(layer(x).numpy()[0, :, :, 0], x[0, 1:, :2, 0])
    inputs = sloi.Input(shape=(None, 6, 2))
    assert Cropping2D(1)(inputs).shape == (None, None, 4, 2)


def test_cropping2d_errors():
    with pytest.raises(ValueError, match=r'"cropping2d" \(Cropping2D\) expects inputs of rank 4 '
                                         r".*\(None, 5, 3\)"):
        Cropping2D()(sloi.Input(shape=(5, 3)))
    with pytest.raises(ValueError, match=r"Cropping2D\): cropping \(\(2, 2\), \(0, 0\)\) removes "
                                         r"every position of an axis of the spatial size \(4, 6\)"
                                         r"; got input shape \(None, 4, 6, 1\)"):
        Cropping2D((2, 0))(sloi.Input(shape=(4, 6, 1)))
    layer = Cropping2D((0, 3))
    with pytest.raises(ValueError, match=r"removes every position.*\(1, 4, 6, 1\)"):
        layer(torch.zeros(1, 4, 6, 1))
    with pytest.raises(ValueError, match=r"Cropping2D\): `cropping` must be an int, a tuple of 2 "
                                         r"ints or a tuple of 2 tuples"):
        Cropping2D((1, 2, 3))
    with pytest.raises(ValueError, match=r"Cropping2D\): `cropping\[1\] \(before, after\)` must "
                                         r"be >= 0"):
        Cropping2D(((1, 1), (-1, 0)))
