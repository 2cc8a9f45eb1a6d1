import keras
import numpy as np
import pytest

import sloi
from sloi.layers import UpSampling1D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("size", [1, 2, 3])
def test_up_sampling1d_matches_keras(size):
    run_layer_test(
        UpSampling1D, {"size": size}, input_shape=(2, 4, 3),
        expected_output_shape=(2, 4 * size, 3), supports_masking=False,
        keras_layer_cls=keras.layers.UpSampling1D,
    )


def test_up_sampling1d_written_out():
    assert UpSampling1D().size == 2
    x = np.array([[[1, 10], [2, 20], [3, 30]]], dtype="float32")
    y = UpSampling1D(2)(x).detach().numpy()[0]
    np.testing.assert_array_equal(y, [[1, 10], [1, 10], [2, 20], [2, 20], [3, 30], [3, 30]])
    assert UpSampling1D(3)(sloi.Input(shape=(None, 4))).shape == (None, None, 4)


def test_up_sampling1d_errors():
    with pytest.raises(TypeError, match=r'Layer "up_sampling1d" \(UpSampling1D\): `size` must be '
                                        r"a positive integer; got 2.0 of type float"):
        UpSampling1D(2.0)
    with pytest.raises(ValueError, match=r"\(UpSampling1D\): `size` must be a positive integer; "
                                         r"got 0"):
        UpSampling1D(0)
    with pytest.raises(ValueError, match=r'"up_sampling1d_2" \(UpSampling1D\) expects inputs of '
                                         r"rank 3 \(batch, steps, features\); got shape "
                                         r"\(None, 8\)"):
        UpSampling1D()(sloi.Input(shape=(8,)))
