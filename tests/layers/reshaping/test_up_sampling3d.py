import keras
import numpy as np
import pytest

import sloi
from sloi.layers import UpSampling3D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("size,data_format,expected", [
    (2, "channels_last", (2, 6, 4, 8, 2)),
    ((1, 3, 2), "channels_last", (2, 3, 6, 8, 2)),
    ((2, 1, 3), "channels_first", (2, 3, 4, 4, 6)),
])
def test_up_sampling3d_matches_keras(size, data_format, expected):
    # channels first reads (2, 3, 2, 4, 2) as 3 channels of 2 x 4 x 2
    run_layer_test(
        UpSampling3D, {"size": size, "data_format": data_format}, input_shape=(2, 3, 2, 4, 2),
        expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.UpSampling3D,
    )


def test_up_sampling3d_written_out_and_errors():
    x = np.arange(8, dtype="float32").reshape(1, 2, 2, 2, 1)
    y = UpSampling3D((1, 2, 3))(x).numpy()[0, :, :, :, 0]
    np.testing.assert_array_equal(y, np.kron(x[0, :, :, :, 0], np.ones((1, 2, 3))))
    assert UpSampling3D().size == (2, 2, 2)
    with pytest.raises(ValueError, match=r'"up_sampling3d(_\d+)?" \(UpSampling3D\) expects inputs '
                                         r"of rank 5 \(batch, depth, height, width, channels\)"):
        UpSampling3D()(sloi.Input(shape=(5, 5, 3)))
    with pytest.raises(ValueError, match=r"UpSampling3D\): `size` must be an integer or a tuple "
                                         r"of 3"):
        UpSampling3D((2, 2))
