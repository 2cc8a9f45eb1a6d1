"""load_img / img_to_array / array_to_img / save_img / smart_resize against Keras 3's."""

import io

import keras
import numpy as np
import pytest
import torch
from PIL import Image

import sloi.preprocessing.image
from sloi.utils import array_to_img, img_to_array, load_img, save_img


@pytest.fixture
def rgb():
    return np.random.default_rng(0).integers(0, 256, (6, 9, 3), dtype=np.uint8)


def same_image(a, b):
    assert a.mode == b.mode and a.size == b.size
    assert np.array_equal(np.asarray(a), np.asarray(b))


@pytest.mark.parametrize("mode,channels", [("RGB", 3), ("RGBA", 4), ("L", None)])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_img_to_array_matches_keras(mode, channels, data_format):
    shape = (5, 7) if channels is None else (5, 7, channels)
    img = Image.fromarray(np.arange(np.prod(shape), dtype=np.uint8).reshape(shape), mode)
    ours = img_to_array(img, data_format=data_format)
    theirs = keras.utils.img_to_array(img, data_format=data_format)
    assert ours.dtype == theirs.dtype == np.float32 and np.array_equal(ours, theirs)
    assert img_to_array(img, dtype="uint8").dtype == np.uint8


@pytest.mark.parametrize("scale", [True, False])
@pytest.mark.parametrize("channels", [1, 3, 4])
def test_array_to_img_matches_keras(channels, scale):
    x = np.random.default_rng(channels).uniform(-2, 200, (4, 6, channels)).astype("float32")
    same_image(array_to_img(x, scale=scale), keras.utils.array_to_img(x, scale=scale))
    first = np.transpose(x, (2, 0, 1))
    same_image(array_to_img(first, data_format="channels_first", scale=scale),
               keras.utils.array_to_img(first, data_format="channels_first", scale=scale))
    same_image(array_to_img(torch.from_numpy(x), scale=scale),
               keras.utils.array_to_img(x, scale=scale))


def test_array_to_img_keeps_16_bit_grayscale_and_refuses_bad_shapes():
    x = np.full((3, 3, 1), 1000.0, dtype="float32")
    same_image(array_to_img(x, scale=False), keras.utils.array_to_img(x, scale=False))
    assert array_to_img(x, scale=False).mode == "I"
    with pytest.raises(ValueError, match="rank 3"):
        array_to_img(np.zeros((3, 3)))
    with pytest.raises(ValueError, match="1, 3 or 4 channels; got 2"):
        array_to_img(np.zeros((3, 3, 2)))


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(color_mode="grayscale"),
    dict(color_mode="rgba"),
    dict(target_size=(4, 5)),
    dict(target_size=(4, 5), interpolation="bilinear"),
    dict(target_size=(3, 8), interpolation="bicubic", keep_aspect_ratio=True),
    dict(target_size=(6, 3), interpolation="lanczos", keep_aspect_ratio=True),
])
def test_load_img_matches_keras(tmp_path, rgb, kwargs):
    path = tmp_path / "x.png"
    Image.fromarray(rgb).save(path)
    same_image(load_img(path, **kwargs), keras.utils.load_img(path, **kwargs))
    same_image(load_img(str(path), **kwargs), keras.utils.load_img(str(path), **kwargs))
    same_image(load_img(io.BytesIO(path.read_bytes()), **kwargs),
               keras.utils.load_img(io.BytesIO(path.read_bytes()), **kwargs))


def test_load_img_refuses_bad_arguments(tmp_path, rgb):
    path = tmp_path / "x.png"
    Image.fromarray(rgb).save(path)
    with pytest.raises(ValueError, match="color_mode"):
        load_img(path, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation must be one of"):
        load_img(path, target_size=(2, 2), interpolation="area")
    with pytest.raises(TypeError, match="path-like or io.BytesIO"):
        load_img(42)


@pytest.mark.parametrize("suffix", ["png", "jpg", "bmp"])
def test_save_img_writes_what_keras_writes(tmp_path, rgb, suffix):
    x = rgb.astype("float32")
    save_img(tmp_path / f"ours.{suffix}", x)
    keras.utils.save_img(tmp_path / f"keras.{suffix}", x)
    assert (tmp_path / f"ours.{suffix}").read_bytes() == (tmp_path / f"keras.{suffix}").read_bytes()
    back = img_to_array(load_img(tmp_path / f"ours.{suffix}"))
    if suffix != "jpg":  # lossless formats give the scaled pixels back
        scaled = (x - x.min()) / (x.max() - x.min()) * 255
        assert np.array_equal(back, scaled.astype("uint8").astype("float32"))


def test_save_img_converts_rgba_for_jpeg_with_a_warning(tmp_path):
    x = np.random.default_rng(1).uniform(0, 255, (4, 4, 4)).astype("float32")
    with pytest.warns(UserWarning, match="JPEG has no alpha channel"):
        save_img(tmp_path / "a.jpg", x)
    assert Image.open(tmp_path / "a.jpg").mode == "RGB"
    buffer = io.BytesIO()
    save_img(buffer, x, file_format="png")
    assert Image.open(io.BytesIO(buffer.getvalue())).mode == "RGBA"


@pytest.mark.parametrize("shape,size", [((7, 9, 3), (4, 4)), ((2, 5, 8, 1), (6, 3)),
                                        ((6, 6, 2), (3, 9))])
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
def test_smart_resize_matches_keras(shape, size, interpolation):
    x = np.random.default_rng(3).uniform(0, 255, shape).astype("float32")
    ours = sloi.preprocessing.image.smart_resize(x, size, interpolation=interpolation)
    theirs = keras.preprocessing.image.smart_resize(x, size, interpolation=interpolation)
    assert isinstance(ours, np.ndarray) and ours.shape == theirs.shape
    np.testing.assert_allclose(ours, theirs, rtol=1e-5, atol=1e-4)
    first = np.moveaxis(x, -1, -3)
    np.testing.assert_allclose(
        sloi.preprocessing.image.smart_resize(first, size, data_format="channels_first"),
        keras.preprocessing.image.smart_resize(first, size, data_format="channels_first"),
        rtol=1e-5, atol=1e-4)
    assert isinstance(sloi.preprocessing.image.smart_resize(torch.from_numpy(x), size),
                      torch.Tensor)


def test_the_public_names_are_keras_s():
    for name in dir(keras.preprocessing.image):
        if not name.startswith("_"):
            assert hasattr(sloi.preprocessing.image, name), name
