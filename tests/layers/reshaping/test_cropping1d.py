import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Cropping1D
from tests.conformance import run_layer_test


@pytest.mark.parametrize("cropping,expected_steps", [
    ((1, 1), 4), (2, 2), ((0, 3), 3), ((3, 0), 3), ((0, 0), 6),
])
def test_cropping1d_matches_keras(cropping, expected_steps):
    run_layer_test(
        Cropping1D, {"cropping": cropping}, input_shape=(2, 6, 3),
        expected_output_shape=(2, expected_steps, 3), supports_masking=False,
        keras_layer_cls=keras.layers.Cropping1D,
    )


def test_cropping1d_written_out():
    assert Cropping1D().cropping == (1, 1)
    x = np.arange(6, dtype="float32").reshape(1, 6, 1)
    y = Cropping1D((1, 2))(x).detach().numpy()[0, :, 0]
    np.testing.assert_array_equal(y, [1, 2, 3])
    assert Cropping1D(2)(sloi.Input(shape=(None, 4))).shape == (None, None, 4)


def test_cropping1d_errors():
    with pytest.raises(ValueError, match=r'Layer "cropping1d" \(Cropping1D\): cropping \(2, 3\) '
                                         r"removes all 5 steps of the input; got input shape "
                                         r"\(None, 5, 4\)"):
        Cropping1D((2, 3))(sloi.Input(shape=(5, 4)))
    # a length unknown when the model is built is checked when data arrives
    model = sloi.Sequential([sloi.Input(shape=(None, 4)), Cropping1D((2, 3))])
    with pytest.raises(ValueError, match=r"cropping \(2, 3\) removes all 4 steps of the input; "
                                         r"got input shape \(1, 4, 4\)"):
        model(torch.randn(1, 4, 4))
    with pytest.raises(ValueError, match=r"\(Cropping1D\) expects inputs of rank 3 "
                                         r"\(batch, steps, features\)"):
        Cropping1D()(sloi.Input(shape=(5,)))
    with pytest.raises(ValueError, match=r"Cropping1D\): `cropping \(start, end\)` must be >= 0"):
        Cropping1D((-1, 2))
