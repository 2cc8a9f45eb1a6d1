import keras
import numpy as np
import pytest

from sloi.layers import CenterCrop
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs, shape, out", [
    ({"height": 3, "width": 4}, (2, 6, 7, 3), (2, 3, 4, 3)),
    ({"height": 3, "width": 4, "data_format": "channels_first"}, (2, 3, 6, 7), (2, 3, 3, 4)),
    # smaller than the target: Keras crops to the aspect ratio and resizes (bilinear)
    ({"height": 8, "width": 5}, (2, 6, 7, 2), (2, 8, 5, 2)),
    ({"height": 4, "width": 9, "data_format": "channels_first"}, (1, 2, 5, 6), (1, 2, 4, 9)),
])
def test_center_crop_conformance_and_keras_parity(kwargs, shape, out):
    run_layer_test(CenterCrop, kwargs, input_shape=shape, expected_output_shape=out,
                   keras_layer_cls=keras.layers.CenterCrop)


def test_one_image_and_integer_input_as_keras():
    x = np.random.default_rng(0).integers(0, 255, (7, 9, 3)).astype("uint8")
    for h, w in ((4, 5), (8, 3)):
        ours = CenterCrop(h, w)(x)
        theirs = keras.layers.CenterCrop(h, w)(x)
        assert ours.dtype == theirs.dtype
        np.testing.assert_allclose(ours.numpy(), theirs.cpu().numpy(), atol=1e-4)


def test_config_keys_match_keras():
    assert set(CenterCrop(2, 3).get_config()) == set(keras.layers.CenterCrop(2, 3).get_config())


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"\(CenterCrop\).*`height`"):
        CenterCrop(0, 3)
    with pytest.raises(ValueError, match=r"\(CenterCrop\).*rank 4.*\(2, 3\)"):
        CenterCrop(1, 1)(np.zeros((2, 3), "float32"))
