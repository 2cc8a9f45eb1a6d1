import keras
import numpy as np
import pytest
import torch

from sloi.layers import Resizing
from tests.conformance import run_layer_test

CASES = [
    ({"height": 4, "width": 5}, (2, 7, 9, 3), (2, 4, 5, 3)),
    ({"height": 9, "width": 6, "interpolation": "nearest"}, (2, 5, 4, 2), (2, 9, 6, 2)),
    ({"height": 3, "width": 8, "interpolation": "bicubic"}, (2, 6, 5, 1), (2, 3, 8, 1)),
    ({"height": 4, "width": 4, "crop_to_aspect_ratio": True}, (2, 6, 9, 2), (2, 4, 4, 2)),
    ({"height": 4, "width": 4, "pad_to_aspect_ratio": True, "fill_value": 2.0},
     (2, 6, 9, 2), (2, 4, 4, 2)),
    ({"height": 6, "width": 3, "pad_to_aspect_ratio": True}, (1, 5, 5, 1), (1, 6, 3, 1)),
    ({"height": 3, "width": 2, "antialias": True}, (2, 8, 7, 2), (2, 3, 2, 2)),
    ({"height": 3, "width": 5, "data_format": "channels_first"}, (2, 3, 6, 7), (2, 3, 3, 5)),
    ({"height": 3, "width": 3, "interpolation": "bicubic", "crop_to_aspect_ratio": True,
      "data_format": "channels_first"}, (1, 2, 5, 8), (1, 2, 3, 3)),
]


@pytest.mark.parametrize("kwargs, shape, out", CASES)
def test_resizing_conformance_and_keras_parity(kwargs, shape, out):
    run_layer_test(Resizing, kwargs, input_shape=shape, expected_output_shape=out,
                   keras_layer_cls=keras.layers.Resizing, atol=1e-5)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_integer_images_and_one_image_as_keras(interpolation):
    x = np.random.default_rng(1).integers(0, 256, (2, 5, 7, 3)).astype("uint8")
    for data in (x, x[0]):
        ours = Resizing(8, 4, interpolation=interpolation)(data)
        theirs = keras.layers.Resizing(8, 4, interpolation=interpolation)(data)
        assert ours.dtype == theirs.dtype == torch.uint8
        np.testing.assert_array_equal(ours.numpy(), theirs.cpu().numpy())


def _area_reference(image, height, width):
    """TensorFlow's area resize written out: each output pixel is the mean of its input
    span, partially covered input pixels counted by the part covered (Keras on torch cannot
    run "area")."""
    h_in, w_in = image.shape[:2]
    sy, sx = h_in / height, w_in / width
    out = np.zeros((height, width, image.shape[2]))
    for i in range(height):
        for j in range(width):
            total = np.zeros(image.shape[2])
            for y in range(h_in):
                wy = max(0.0, min(y + 1, (i + 1) * sy) - max(y, i * sy))
                for x in range(w_in):
                    wx = max(0.0, min(x + 1, (j + 1) * sx) - max(x, j * sx))
                    total += wy * wx * image[y, x]
            out[i, j] = total / (sy * sx)
    return out


@pytest.mark.parametrize("size", [(2, 3), (3, 2), (5, 7)])
def test_area_is_a_box_filter(size):
    image = np.random.default_rng(2).standard_normal((5, 6, 2)).astype("float32")
    ours = Resizing(*size, interpolation="area")(image[None])[0].numpy()
    np.testing.assert_allclose(ours, _area_reference(image, *size), atol=1e-5)


def test_config_keys_match_keras():
    assert Resizing(2, 3).get_config().keys() == keras.layers.Resizing(2, 3).get_config().keys()


def test_bad_arguments_name_layer_and_argument():
    with pytest.raises(ValueError, match=r"\(Resizing\).*interpolation.*lanczos3"):
        Resizing(2, 2, interpolation="lanczos3")
    with pytest.raises(ValueError, match=r"\(Resizing\).*`interpolation`"):
        Resizing(2, 2, interpolation="cubic")
    with pytest.raises(ValueError, match=r"\(Resizing\).*only one of"):
        Resizing(2, 2, crop_to_aspect_ratio=True, pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match=r"\(Resizing\).*`width`"):
        Resizing(2, -1)
    with pytest.raises(ValueError, match=r"\(Resizing\).*`fill_mode`"):
        Resizing(2, 2, fill_mode="reflect")
    with pytest.raises(ValueError, match=r"\(Resizing\).*rank 4.*\(3, 4\)"):
        Resizing(2, 2)(np.zeros((3, 4), "float32"))
