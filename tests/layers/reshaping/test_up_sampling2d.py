import keras
import numpy as np
import pytest

import sloi
from sloi.layers import UpSampling2D
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("interpolation", ["nearest", "bilinear", "bicubic"])
@pytest.mark.parametrize("size,data_format,expected", [
    (2, "channels_last", (2, 8, 10, 3)),
    ((3, 1), "channels_last", (2, 12, 5, 3)),
    ((1, 2), "channels_first", (2, 4, 5, 6)),
])
def test_up_sampling2d_matches_keras(size, data_format, expected, interpolation):
    # channels first reads (2, 4, 5, 3) as 4 channels of 5 x 3
    run_layer_test(
        UpSampling2D, {"size": size, "data_format": data_format, "interpolation": interpolation},
        input_shape=(2, 4, 5, 3), expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.UpSampling2D,
    )


def test_up_sampling2d_gradients_match_keras():
    x = np.random.default_rng(0).standard_normal((2, 3, 4, 2)).astype("float32")
    assert_gradients_match_keras(UpSampling2D, keras.layers.UpSampling2D,
                                 {"size": (2, 3), "interpolation": "bilinear"}, x)


def test_up_sampling2d_written_out():
    x = np.array([[1.0, 2.0], [3.0, 4.0]], dtype="float32").reshape(1, 2, 2, 1)
    y = UpSampling2D((2, 3))(x).numpy()[0, :, :, 0]
    np.testing.assert_array_equal(y, np.kron(x[0, :, :, 0], np.ones((2, 3))))
    # bilinear with half-pixel centres: the output pixel centres sit at 1/4 and 3/4 of each
    # input pixel, so the values in between are 3/4 : 1/4 mixes and the edges are clamped
    y = UpSampling2D((1, 2), interpolation="bilinear")(x).numpy()[0, :, :, 0]
    np.testing.assert_allclose(y, [[1, 1.25, 1.75, 2], [3, 3.25, 3.75, 4]])
    assert UpSampling2D(interpolation="BILINEAR").get_config()["interpolation"] == "bilinear"
    assert UpSampling2D()(sloi.Input(shape=(None, 5, 3))).shape == (None, None, 10, 3)


def test_up_sampling2d_errors():
    with pytest.raises(ValueError, match=r'"up_sampling2d(_\d+)?" \(UpSampling2D\) expects inputs '
                                         r"of rank 4.*\(None, 5, 3\)"):
        UpSampling2D()(sloi.Input(shape=(5, 3)))
    with pytest.raises(ValueError, match=r"UpSampling2D\): `interpolation` must be one of "
                                         r"\('nearest', 'bilinear', 'bicubic'\); got 'lanczos3'"):
        UpSampling2D(interpolation="lanczos3")
    with pytest.raises(ValueError, match=r"UpSampling2D\): `size` must be positive"):
        UpSampling2D((0, 2))
