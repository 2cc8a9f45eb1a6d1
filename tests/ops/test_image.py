"""``sloi.ops.image`` against Keras 3's ``keras.ops.image`` (torch backend): values, dtypes,
shapes and symbolic shapes, in both data formats."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import ops
from tests.ops.op_parity import check_op, check_symbolic

RNG = np.random.default_rng(5)
FORMATS = ["channels_last", "channels_first"]


def images(batch, height, width, channels, data_format="channels_last", dtype="float32",
           low=0.0, high=1.0):
    shape = (height, width, channels) if data_format == "channels_last" else (
        channels, height, width)
    shape = shape if batch is None else (batch,) + shape
    x = RNG.uniform(low, high, shape)
    return (np.round(x) if "int" in dtype else x).astype(dtype)


def test_image_ops_live_only_under_image():
    assert sloi.ops.image.resize.class_name == "Resize"
    assert not hasattr(sloi.ops, "resize")


# ---------------------------------------------------------------------------- colour
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("batch", [None, 2])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_colour_conversions_match_keras(data_format, batch, dtype):
    x = images(batch, 5, 6, 3, data_format, dtype)
    x.flat[:4] = [0.0, 0.5, 0.5, 1.0]  # some grey and black pixels: hue 0
    for name in ("image.rgb_to_grayscale", "image.rgb_to_hsv", "image.hsv_to_rgb"):
        check_op(name, x, data_format=data_format, batch_none=batch is not None)


def test_grayscale_of_ints_and_one_channel_matches_keras():
    check_op("image.rgb_to_grayscale", images(2, 4, 4, 3, dtype="int32", high=255))
    check_op("image.rgb_to_grayscale", images(2, 4, 4, 1))


# ---------------------------------------------------------------------------- resize
# F.interpolate is Keras's own kernel here; 1e-5 only for bicubic (larger sums of products)
@pytest.mark.parametrize("interpolation", ["bilinear", "nearest", "bicubic"])
@pytest.mark.parametrize("size", [(3, 4), (9, 7)])
@pytest.mark.parametrize("antialias", [False, True])
@pytest.mark.parametrize("data_format", FORMATS)
def test_resize_matches_keras(interpolation, size, antialias, data_format):
    x = images(2, 6, 5, 3, data_format)
    check_op("image.resize", x, size, interpolation=interpolation, antialias=antialias,
             data_format=data_format, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("option", ["crop_to_aspect_ratio", "pad_to_aspect_ratio"])
@pytest.mark.parametrize("size", [(4, 8), (8, 3)])
@pytest.mark.parametrize("data_format", FORMATS)
def test_resize_to_aspect_ratio_matches_keras(option, size, data_format):
    x = images(None, 6, 5, 2, data_format)
    check_op("image.resize", x, size, data_format=data_format, fill_value=0.5,
             batch_none=False, rtol=1e-5, atol=1e-5, **{option: True})


@pytest.mark.parametrize("dtype", ["uint8", "int32", "float64"])
@pytest.mark.parametrize("interpolation", ["bilinear", "bicubic", "nearest"])
def test_resize_keeps_the_dtype_as_keras(dtype, interpolation):
    x = images(2, 5, 5, 1, dtype=dtype, high=255)
    check_op("image.resize", x, (8, 3), interpolation=interpolation, rtol=1e-5, atol=1e-5)


def test_resize_rejects_what_torch_cannot_do():
    with pytest.raises(ValueError, match="lanczos3"):
        ops.image.resize(images(1, 4, 4, 1), (2, 2), interpolation="lanczos3")
    with pytest.raises(ValueError, match="fill_mode"):
        ops.image.resize(images(1, 4, 4, 1), (2, 2), fill_mode="reflect")


@pytest.mark.parametrize("method", ["linear", "cubic", "lanczos3", "lanczos5", "bilinear"])
@pytest.mark.parametrize("antialias", [True, False])
@pytest.mark.parametrize("scale", [(2.0, 0.5), (0.6, 1.7)])
def test_scale_and_translate_matches_keras(method, antialias, scale):
    x = images(2, 6, 7, 3)
    scale = np.array(scale, "float32")
    translation = np.array([0.3, -1.2], "float32")
    out_shape = (2, int(6 * scale[0]), int(7 * scale[1]), 3)
    check_op("image.scale_and_translate", x, out_shape, scale, translation, (1, 2), method,
             antialias=antialias, rtol=1e-5, atol=1e-6, batch_none=False)


def test_scale_and_translate_of_ints_matches_keras():
    x = images(None, 5, 5, 1, dtype="int32", high=100)
    check_op("image.scale_and_translate", x, (9, 3, 1), np.array([1.8, 0.6], "float32"),
             np.array([0.0, 0.0], "float32"), (0, 1), "cubic", batch_none=False)


# ---------------------------------------------------------------------------- pad and crop
PAD_CASES = [dict(top_padding=1, left_padding=2, bottom_padding=0, right_padding=3),
             dict(top_padding=2, target_height=9, left_padding=0, target_width=7),
             dict(bottom_padding=1, target_height=6, right_padding=2, target_width=8)]
CROP_CASES = [dict(top_cropping=1, left_cropping=2, bottom_cropping=0, right_cropping=1),
              dict(top_cropping=2, target_height=2, left_cropping=0, target_width=3),
              dict(bottom_cropping=1, target_height=3, right_cropping=2, target_width=2)]


@pytest.mark.parametrize("case", range(3))
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("batch", [None, 2])
def test_pad_and_crop_match_keras(case, data_format, batch):
    x = images(batch, 5, 5, 2, data_format)
    check_op("image.pad_images", x, data_format=data_format, batch_none=batch is not None,
             **PAD_CASES[case])
    check_op("image.crop_images", x, data_format=data_format, batch_none=batch is not None,
             **CROP_CASES[case])


def test_pad_and_crop_need_two_of_three():
    with pytest.raises(ValueError, match="exactly two"):
        ops.image.pad_images(images(1, 4, 4, 1), top_padding=1, left_padding=1)
    with pytest.raises(ValueError, match="top_cropping must be >= 0"):
        ops.image.crop_images(images(1, 4, 4, 1), target_height=5, bottom_cropping=0,
                              left_cropping=0, right_cropping=0)


# ---------------------------------------------------------------------------- sampling
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("order", [0, 1])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_map_coordinates_matches_keras(fill_mode, order, dtype):
    x = images(None, 5, 6, 1, dtype=dtype, high=50)[..., 0]
    coordinates = RNG.uniform(-7, 12, (2, 4, 3)).astype("float32")
    coordinates[:, 0, 0] = [2.5, 3.5]  # ties round to even, as Keras does
    check_op("image.map_coordinates", x, coordinates, order, fill_mode=fill_mode,
             fill_value=3, batch_none=False)


def test_map_coordinates_in_three_dimensions_matches_keras():
    x = images(None, 3, 4, 5)
    check_op("image.map_coordinates", x, RNG.uniform(-1, 5, (3, 7)).astype("float32"), 1,
             batch_none=False)


TRANSFORMS = [[1.0, 0.0, 0.0, 0.0, 1.0, 0.0, 0.0, 0.0],
              [0.9, 0.2, -1.3, -0.3, 1.1, 0.7, 0.0, 0.0],
              [1.2, -0.4, 0.5, 0.3, 0.8, -2.0, 0.1, -0.2]]


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["constant", "nearest", "wrap", "mirror", "reflect"])
@pytest.mark.parametrize("data_format", FORMATS)
def test_affine_transform_matches_keras(interpolation, fill_mode, data_format):
    x = images(3, 5, 6, 2, data_format)
    transform = np.array(TRANSFORMS, "float32")
    check_op("image.affine_transform", x, transform, interpolation=interpolation,
             fill_mode=fill_mode, fill_value=0.5, data_format=data_format, rtol=1e-5,
             atol=1e-5, batch_none=False)
    check_op("image.affine_transform", x[0], transform[1], interpolation=interpolation,
             fill_mode=fill_mode, data_format=data_format, rtol=1e-5, atol=1e-5,
             batch_none=False)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("batch", [None, 2])
def test_perspective_transform_matches_keras(interpolation, data_format, batch):
    x = images(batch, 6, 7, 2, data_format)
    start = np.array([[0, 0], [6, 0], [0, 5], [6, 5]], "float32")
    end = np.array([[0.5, 0.2], [5.5, -0.3], [0.1, 4.6], [6.2, 5.1]], "float32")
    if batch:
        start, end = np.stack([start, start + 0.3]), np.stack([end, end])
    check_op("image.perspective_transform", x, start, end, interpolation=interpolation,
             fill_value=0.25, data_format=data_format, rtol=1e-4, atol=1e-5,
             batch_none=False)


@pytest.mark.parametrize("interpolation", ["bilinear", "nearest"])
@pytest.mark.parametrize("fill_mode", ["reflect", "constant"])
@pytest.mark.parametrize("data_format", FORMATS)
def test_elastic_transform_matches_keras_on_the_same_random_numbers(interpolation, fill_mode,
                                                                    data_format):
    x = images(2, 8, 9, 3, data_format)
    # Keras's torch backend draws the field from torch's global generator
    torch.manual_seed(7)
    ours = ops.image.elastic_transform(x, alpha=3.0, sigma=1.5, interpolation=interpolation,
                                       fill_mode=fill_mode, data_format=data_format)
    torch.manual_seed(7)
    theirs = keras.ops.image.elastic_transform(x, alpha=3.0, sigma=1.5,
                                               interpolation=interpolation,
                                               fill_mode=fill_mode, data_format=data_format)
    assert ours.dtype == theirs.dtype
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-5, atol=1e-5)


def test_elastic_transform_seed_repeats():
    x = images(1, 6, 6, 1)
    a = ops.image.elastic_transform(x, seed=3)
    b = ops.image.elastic_transform(x, seed=3)
    np.testing.assert_array_equal(a.numpy(), b.numpy())
    assert a.shape == x.shape
    check_symbolic("image.elastic_transform", x, seed=3)


def test_data_format_none_follows_the_settings():
    x = images(2, 5, 6, 3, "channels_first")
    sloi.settings.set_image_data_format("channels_first")
    try:
        ours = ops.image.resize(x, (3, 4))
        blurred = ops.image.gaussian_blur(x)
    finally:
        sloi.settings.set_image_data_format("channels_last")
    theirs = keras.ops.image.resize(x, (3, 4), data_format="channels_first")
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(
        blurred.numpy(),
        keras.ops.image.gaussian_blur(x, data_format="channels_first").numpy(), rtol=1e-5,
        atol=1e-6)


# ---------------------------------------------------------------------------- filters
@pytest.mark.parametrize("kernel_size,sigma", [((3, 3), (1.0, 1.0)), ((5, 5), (0.7, 1.9))])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("batch", [None, 2])
def test_gaussian_blur_matches_keras(kernel_size, sigma, data_format, batch):
    x = images(batch, 7, 8, 3, data_format)
    # Keras's eager path reads data_format=None as channels_first: always pass it; 1e-5
    # because the convolution sums 25 products in an order of its own
    check_op("image.gaussian_blur", x, kernel_size=kernel_size, sigma=sigma,
             data_format=data_format, rtol=1e-5, atol=1e-6, batch_none=batch is not None)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_sobel_edges_matches_keras(data_format, dtype):
    check_op("image.sobel_edges", images(2, 6, 7, 3, data_format, dtype),
             data_format=data_format, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("batch", [None, 2])
@pytest.mark.parametrize("filter_size", [11, 3])
def test_ssim_matches_keras(data_format, batch, filter_size):
    a = images(batch, 12, 13, 3, data_format)
    b = np.clip(a + RNG.normal(0, 0.1, a.shape), 0, 1).astype("float32")
    check_op("image.ssim", a, b, filter_size=filter_size, data_format=data_format, rtol=1e-5,
             atol=1e-6, batch_none=batch is not None)
    check_op("image.ssim", a * 255, b * 255, max_val=255.0, data_format=data_format,
             rtol=1e-5, atol=1e-6, batch_none=batch is not None)


# ---------------------------------------------------------------------------- patches
@pytest.mark.parametrize("size,strides", [((2, 2), None), (3, (1, 2)), ((2, 3), (2, 1))])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("batch", [None, 2])
def test_extract_patches_matches_keras(size, strides, padding, data_format, batch):
    check_op("image.extract_patches", images(batch, 7, 6, 2, data_format), size,
             strides=strides, padding=padding, data_format=data_format,
             batch_none=batch is not None)


def test_extract_patches_with_dilation_matches_keras():
    check_op("image.extract_patches", images(2, 8, 8, 2), (2, 2), strides=(1, 1),
             dilation_rate=2)


@pytest.mark.parametrize("size,strides", [((2, 2, 2), None), (2, 1)])
@pytest.mark.parametrize("data_format", FORMATS)
@pytest.mark.parametrize("batch", [None, 2])
def test_extract_patches_3d_matches_keras(size, strides, data_format, batch):
    shape = (4, 5, 4, 2) if data_format == "channels_last" else (2, 4, 5, 4)
    x = RNG.uniform(size=((batch,) if batch else ()) + shape).astype("float32")
    check_op("image.extract_patches_3d", x, size, strides=strides, data_format=data_format,
             batch_none=batch is not None)
    check_op("image.extract_patches", x, (2, 2, 2), data_format=data_format,
             batch_none=batch is not None)


# ---------------------------------------------------------------------------- in a model
def test_image_ops_in_a_functional_model_match_eager():
    inputs = sloi.Input((8, 8, 3))
    y = ops.image.resize(inputs, (4, 4))
    y = ops.image.rgb_to_grayscale(y)
    model = sloi.Model(inputs, y)
    x = images(2, 8, 8, 3)
    expected = ops.image.rgb_to_grayscale(ops.image.resize(x, (4, 4)))
    np.testing.assert_allclose(model(torch.tensor(x)).detach().numpy(), expected.numpy())
    assert tuple(y.shape) == (None, 4, 4, 1)


def test_a_keras_model_of_image_and_linalg_ops_loads_from_its_json_and_agrees():
    K = keras.ops
    inputs, matrices = keras.Input((8, 8, 3)), keras.Input((6, 4))
    small = K.image.resize(inputs, (6, 6), interpolation="bicubic")
    outputs = [
        small,
        K.image.rgb_to_hsv(K.image.gaussian_blur(inputs, (5, 5), (1.0, 2.0),
                                                 data_format="channels_last")),
        K.image.pad_images(K.image.crop_images(inputs, 1, 2, target_height=5, target_width=4),
                           2, 1, target_height=9, target_width=6),
        K.image.extract_patches(inputs, (2, 3), strides=(1, 2), padding="same"),
        K.image.sobel_edges(small),
        K.image.scale_and_translate(inputs, (2, 4, 11, 3), K.array([0.5, 1.4]),
                                    K.array([0.0, 0.2]), (1, 2), "cubic"),
        K.norm(matrices, ord="fro", axis=(1, 2)),
        K.svd(matrices, compute_uv=False),
        K.qr(matrices)[1],
        K.pinv(matrices, rcond=0.1),
    ]
    model = keras.Model([inputs, matrices], outputs)
    ours = sloi.models.model_from_json(model.to_json())
    data = [images(2, 8, 8, 3), RNG.standard_normal((2, 6, 4)).astype("float32")]
    for a, b in zip(ours.predict(data, verbose=0), model.predict(data, verbose=0),
                    strict=True):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
