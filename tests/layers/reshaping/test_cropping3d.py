import keras
import numpy as np
import pytest

import sloi
from sloi.layers import Cropping3D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("cropping,data_format,expected", [
    (((1, 1), (1, 1), (1, 1)), "channels_last", (2, 3, 4, 2, 2)),
    (0, "channels_last", (2, 5, 6, 4, 2)),
    ((2, 1, 0), "channels_last", (2, 1, 4, 4, 2)),
    (((1, 2), (0, 3), (1, 0)), "channels_last", (2, 2, 3, 3, 2)),
    (((0, 1), (2, 0), (0, 1)), "channels_first", (2, 5, 5, 2, 1)),
])
def test_cropping3d_matches_keras(cropping, data_format, expected):
    # channels first reads (2, 5, 6, 4, 2) as 5 channels of 6 x 4 x 2
    run_layer_test(
        Cropping3D, {"cropping": cropping, "data_format": data_format},
        input_shape=(2, 5, 6, 4, 2), expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.Cropping3D,
    )


def test_cropping3d_written_out_and_errors():
    x = np.arange(60, dtype="float32").reshape(1, 3, 4, 5, 1)
    y = Cropping3D(((1, 0), (0, 2), (1, 1)))(x).numpy()
    np.testing.assert_array_equal(y, x[:, 1:, :2, 1:4])
    with pytest.raises(ValueError, match=r'"cropping3d(_\d+)?" \(Cropping3D\) expects inputs of '
                                         r"rank 5 \(batch, depth, height, width, channels\)"):
        Cropping3D()(sloi.Input(shape=(5, 5, 3)))
    with pytest.raises(ValueError, match=r"Cropping3D\): cropping .* removes every position.*"
                                         r"\(None, 2, 6, 6, 1\)"):
        Cropping3D()(sloi.Input(shape=(2, 6, 6, 1)))
    with pytest.raises(ValueError, match=r"Cropping3D\): `cropping` must be an int, a tuple of 3"):
        Cropping3D((1, 2))
