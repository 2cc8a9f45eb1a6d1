"""``keras.ops.image``: colour spaces, resizing, padding and cropping, geometric transforms,
interpolation at coordinates, patches, blur, edges and SSIM, on torch tensors.

Each op follows Keras 3 on its torch backend: the same arguments, dtypes and numbers. Images
are ``(height, width, channels)`` or batched ``(batch, height, width, channels)`` for
``data_format="channels_last"``, channels before height for ``"channels_first"``; None means
``sloi.settings.image_data_format()``. These ops live only under ``sloi.ops.image``, as in
Keras.
"""

from __future__ import annotations

import itertools

import torch
import torch.nn.functional as F

from sloi.engine.operation import keras_op
from sloi.kernels import conv as conv_kernels
from sloi.ops import nn
from sloi.ops.op_inputs import convert_to_tensor, dtype_name, result_type

__all__ = [
    "affine_transform", "crop_images", "elastic_transform", "extract_patches",
    "extract_patches_3d", "gaussian_blur", "hsv_to_rgb", "map_coordinates", "pad_images",
    "perspective_transform", "resize", "rgb_to_grayscale", "rgb_to_hsv", "scale_and_translate",
    "sobel_edges", "ssim",
]

_INTERPOLATION_ORDERS = {"nearest": 0, "bilinear": 1}
_FILL_MODES = ("constant", "nearest", "wrap", "mirror", "reflect")


def _data_format(data_format) -> str:
    return conv_kernels.normalize_data_format(data_format)  # None: the settings' format


def _images(op: str, images, name: str = "images") -> torch.Tensor:
    images = convert_to_tensor(images)
    if images.dim() not in (3, 4):
        raise ValueError(f"{op}: `{name}` must have rank 3 (one image) or 4 (a batch); got "
                         f"shape {tuple(images.shape)}")
    return images


def _float_images(op: str, images) -> torch.Tensor:
    images = _images(op, images)
    if not images.is_floating_point():
        raise ValueError(f"{op}: `images` must be floats; got {dtype_name(images.dtype)}")
    return images


def _batched_nhwc(images: torch.Tensor, data_format: str) -> torch.Tensor:
    """``images`` as a batch ``(batch, height, width, channels)``."""
    images = images if images.dim() == 4 else images.unsqueeze(0)
    return images.permute(0, 2, 3, 1) if data_format == "channels_first" else images


def _restore(images: torch.Tensor, data_format: str, unbatched: bool) -> torch.Tensor:
    """Undo :func:`_batched_nhwc`."""
    images = images.permute(0, 3, 1, 2) if data_format == "channels_first" else images
    return images.squeeze(0) if unbatched else images


def _check_choice(op: str, name: str, value, choices):
    if value not in choices:
        raise ValueError(f"{op}: `{name}` must be one of {sorted(choices)}; got {value!r}")


# ============================================================================ colour spaces
@keras_op(module="image", class_name="RGBToGrayscale")
def rgb_to_grayscale(images, data_format=None):
    """Luma ``0.2989 R + 0.587 G + 0.114 B`` (ITU-R 601) as one channel, in the images'
    dtype; a one-channel image is returned as it is."""
    images, axis = _images("rgb_to_grayscale", images), _channel_axis(data_format)
    if images.shape[axis] not in (1, 3):
        raise ValueError("rgb_to_grayscale: `images` must have 3 (RGB) or 1 channel; got "
                         f"shape {tuple(images.shape)}")
    if images.shape[axis] == 1:
        return images.clone()
    r, g, b = images.unbind(axis)
    return (0.2989 * r + 0.587 * g + 0.114 * b).to(images.dtype).unsqueeze(axis)


def _channel_axis(data_format) -> int:
    return -1 if _data_format(data_format) == "channels_last" else -3


@keras_op(module="image", class_name="RGBToHSV")
def rgb_to_hsv(images, data_format=None):
    """RGB in ``[0, 1]`` to hue, saturation and value in ``[0, 1]``."""
    images, axis = _float_images("rgb_to_hsv", images), _channel_axis(data_format)
    eps = torch.finfo(images.dtype).eps
    r, g, b = torch.where(images.abs() < eps, 0.0, images).unbind(axis)
    value = torch.maximum(torch.maximum(r, g), b)
    spread = value - torch.minimum(torch.minimum(r, g), b)
    saturation = torch.where(value > 0, spread / torch.where(value > 0, value, 1.0), 0.0)
    # the hue is the angle on the colour hexagon, measured from the largest channel
    scale = 1.0 / (6.0 * torch.where(spread > 0, spread, 1.0))
    hue = torch.where(value == g, scale * (b - r) + 2.0 / 6.0, scale * (r - g) + 4.0 / 6.0)
    hue = torch.where(value == r, scale * (g - b), hue)
    hue = torch.where(spread > 0, hue, 0.0) + (hue < 0.0).to(hue.dtype)
    return torch.stack((hue, saturation, value), dim=axis)


@keras_op(module="image", class_name="HSVToRGB")
def hsv_to_rgb(images, data_format=None):
    """Hue, saturation and value in ``[0, 1]`` to RGB in ``[0, 1]``."""
    images, axis = _float_images("hsv_to_rgb", images), _channel_axis(data_format)
    hue, saturation, value = images.unbind(axis)
    sextant = torch.remainder(hue, 1.0) * 6.0
    red = torch.clip(torch.abs(sextant - 3.0) - 1.0, 0.0, 1.0)
    green = torch.clip(2.0 - torch.abs(sextant - 2.0), 0.0, 1.0)
    blue = torch.clip(2.0 - torch.abs(sextant - 4.0), 0.0, 1.0)
    grey = 1.0 - saturation
    return torch.stack([value * (grey + saturation * c) for c in (red, green, blue)], dim=axis)


# ============================================================================ resizing
_RESIZE_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic"}


@keras_op(module="image")
def resize(images, size, interpolation="bilinear", antialias=False, crop_to_aspect_ratio=False,
           pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0, data_format=None):
    """Images resized to ``size = (height, width)`` by torch's ``interpolate`` (half-pixel
    centres; ``antialias`` widens the filter when shrinking, bilinear and bicubic only).
    ``crop_to_aspect_ratio`` first cuts the centre to the target's aspect ratio,
    ``pad_to_aspect_ratio`` pads with ``fill_value`` to it. Integer images are resized in
    float32 and rounded back."""
    if interpolation in ("lanczos3", "lanczos5"):
        raise ValueError(f"resize: interpolation={interpolation!r} is not available on torch "
                         "(as in Keras's torch backend)")
    _check_choice("resize", "interpolation", interpolation, _RESIZE_MODES)
    if fill_mode != "constant":
        raise ValueError(f'resize: `fill_mode` must be "constant"; got {fill_mode!r}')
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: only one of `crop_to_aspect_ratio` and "
                         "`pad_to_aspect_ratio` can be True")
    if len(size) != 2:
        raise ValueError(f"resize: `size` must be (height, width); got {size!r}")
    data_format = _data_format(data_format)
    images = _images("resize", images)
    dtype = images.dtype
    x = images if images.dim() == 4 else images.unsqueeze(0)
    x = x.permute(0, 3, 1, 2) if data_format == "channels_last" else x
    if dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    height, width = x.shape[-2:]
    target_height, target_width = size
    if crop_to_aspect_ratio:
        crop_height = max(min(height, int(width * target_height / target_width)), 1)
        crop_width = max(min(width, int(height * target_width / target_height)), 1)
        top, left = int((height - crop_height) / 2), int((width - crop_width) / 2)
        x = x[:, :, top:top + crop_height, left:left + crop_width]
    elif pad_to_aspect_ratio:
        # Keras pads the same amount on both sides, rounded down
        vertical = int((max(height, int(width * target_height / target_width)) - height) / 2)
        horizontal = int((max(width, int(height * target_width / target_height)) - width) / 2)
        x = F.pad(x, (horizontal, horizontal, vertical, vertical), value=fill_value)
    smooth = interpolation in ("bilinear", "bicubic")
    out = F.interpolate(x, size=tuple(size), mode=_RESIZE_MODES[interpolation],
                        align_corners=False if smooth else None,
                        antialias=bool(antialias) and smooth)
    if interpolation == "bicubic" and dtype == torch.uint8:
        out = out.clamp(0, 255)  # cubic overshoots
    out = out.permute(0, 2, 3, 1) if data_format == "channels_last" else out
    out = out if images.dim() == 4 else out.squeeze(0)
    if out.dtype != dtype:
        out = (out if dtype.is_floating_point else torch.round(out)).to(dtype)
    return out


@keras_op(module="image")
def scale_and_translate(images, output_shape, scale, translation, spatial_dims, method,
                        antialias=True):
    """Each axis in ``spatial_dims`` resampled to ``output_shape``: output sample ``i`` reads
    the input at ``(i + 0.5 - translation) / scale - 0.5`` through the kernel of ``method``
    ("linear", "cubic" (Keys), "lanczos3", "lanczos5"; "bilinear" and "trilinear" mean
    "linear", "bicubic" and "tricubic" "cubic"), widened by ``1 / scale`` when shrinking with
    ``antialias`` (as ``jax.image.scale_and_translate``)."""
    kernels = {"linear": _triangle, "bilinear": _triangle, "trilinear": _triangle,
               "cubic": _keys_cubic, "bicubic": _keys_cubic, "tricubic": _keys_cubic,
               "lanczos3": lambda x: _lanczos(3.0, x), "lanczos5": lambda x: _lanczos(5.0, x)}
    _check_choice("scale_and_translate", "method", method, kernels)
    images = convert_to_tensor(images)
    scale, translation = convert_to_tensor(scale), convert_to_tensor(translation)
    dtype = result_type(scale.dtype, translation.dtype)
    scale, translation = scale.to(dtype), translation.to(dtype)
    if not spatial_dims:
        return images
    rounds = not (images.is_floating_point() or images.is_complex())
    out = images.to(torch.float32) if rounds else images.clone()
    for i, axis in enumerate(spatial_dims):
        axis = axis % images.dim()
        weights = _resample_weights(images.shape[axis], output_shape[axis], scale[i],
                                    translation[i], kernels[method], antialias)
        out = torch.tensordot(out, weights.to(out.dtype), dims=([axis], [0]))
        out = torch.movedim(out, -1, axis)
    if rounds:
        out = torch.clip(torch.round(out), images.min(), images.max()).to(images.dtype)
    return out


def _triangle(x):
    return torch.clamp(1 - torch.abs(x), min=0)


def _keys_cubic(x):
    """Keys's cubic convolution kernel with a = -0.5 (``x >= 0``)."""
    near = ((1.5 * x - 2.5) * x) * x + 1.0
    far = ((-0.5 * x + 2.5) * x - 4.0) * x + 2.0
    return torch.where(x >= 2.0, 0.0, torch.where(x >= 1.0, far, near))


def _lanczos(radius: float, x):
    y = radius * torch.sin(torch.pi * x) * torch.sin(torch.pi * x / radius)
    out = torch.where(x > 1e-3, y / torch.where(x != 0, torch.pi**2 * x**2, 1), 1)
    return torch.where(x > radius, 0.0, out)


def _resample_weights(size_in, size_out, scale, translation, kernel, antialias):
    """``(size_in, size_out)`` weights: column ``j`` mixes the input samples into output
    sample ``j``; columns sum to one, and are zero where ``j`` falls outside the input."""
    inverse = 1.0 / scale
    width = torch.clamp(inverse, min=1.0) if antialias else 1.0
    centres = ((torch.arange(size_out, dtype=scale.dtype, device=scale.device) + 0.5) * inverse
               - translation * inverse - 0.5)
    inputs = torch.arange(size_in, dtype=scale.dtype, device=scale.device)
    weights = kernel(torch.abs(centres[None, :] - inputs[:, None]) / width)
    total = weights.sum(0, keepdim=True)
    # float32's epsilon even for float64, as jax does
    weights = torch.where(total.abs() > 1000.0 * torch.finfo(torch.float32).eps,
                          weights / torch.where(total != 0, total, 1), 0)
    inside = (centres >= -0.5) & (centres <= size_in - 0.5)
    return torch.where(inside[None, :], weights, 0)


# ============================================================================ pad and crop
def _split(op: str, names: tuple, before, after, total):
    """The three of an axis as given, after checking that exactly two of (``before``,
    ``after``, ``total``) are."""
    if [before, after, total].count(None) != 1:
        raise ValueError(f"{op}: give exactly two of {', '.join(names)}; got "
                         f"{names[0]}={before}, {names[1]}={after}, {names[2]}={total}")
    return before, after, total


def _check_non_negative(op: str, images, **sizes):
    for name, value in sizes.items():
        if value < 0:
            raise ValueError(f"{op}: {name} must be >= 0; got {value} (images of shape "
                             f"{tuple(images.shape)})")


def _image_size(images, data_format) -> tuple[int, int]:
    return tuple(images.shape[-3:-1]) if data_format == "channels_last" else tuple(
        images.shape[-2:])


@keras_op(module="image")
def pad_images(images, top_padding=None, left_padding=None, bottom_padding=None,
               right_padding=None, target_height=None, target_width=None, data_format=None):
    """Images padded with zeros; per axis give two of (padding before, padding after,
    target size)."""
    data_format = _data_format(data_format)
    images = _images("pad_images", images)
    height, width = _image_size(images, data_format)
    top, bottom, _ = _split("pad_images", ("top_padding", "bottom_padding", "target_height"),
                            top_padding, bottom_padding, target_height)
    left, right, _ = _split("pad_images", ("left_padding", "right_padding", "target_width"),
                            left_padding, right_padding, target_width)
    top = target_height - bottom - height if top is None else top
    bottom = target_height - top - height if bottom is None else bottom
    left = target_width - right - width if left is None else left
    right = target_width - left - width if right is None else right
    _check_non_negative("pad_images", images, top_padding=top, bottom_padding=bottom,
                        left_padding=left, right_padding=right)
    pads = (left, right, top, bottom)
    return F.pad(images, (0, 0) + pads if data_format == "channels_last" else pads)


@keras_op(module="image")
def crop_images(images, top_cropping=None, left_cropping=None, bottom_cropping=None,
                right_cropping=None, target_height=None, target_width=None, data_format=None):
    """Images cropped; per axis give two of (cropping before, cropping after, target
    size)."""
    data_format = _data_format(data_format)
    images = _images("crop_images", images)
    height, width = _image_size(images, data_format)
    top, bottom, target_height = _split(
        "crop_images", ("top_cropping", "bottom_cropping", "target_height"), top_cropping,
        bottom_cropping, target_height)
    left, right, target_width = _split(
        "crop_images", ("left_cropping", "right_cropping", "target_width"), left_cropping,
        right_cropping, target_width)
    top = height - target_height - bottom if top is None else top
    target_height = height - bottom - top if target_height is None else target_height
    left = width - target_width - right if left is None else left
    target_width = width - right - left if target_width is None else target_width
    _check_non_negative("crop_images", images, top_cropping=top, target_height=target_height,
                        left_cropping=left, target_width=target_width)
    rows, cols = slice(top, top + target_height), slice(left, left + target_width)
    if data_format == "channels_last":
        return images[..., rows, cols, :]
    return images[..., rows, cols]


# ============================================================================ sampling
def _fix_index(index, size: int, fill_mode: str):
    """An index outside ``[0, size)`` moved inside as ``fill_mode`` extends the input."""
    if fill_mode in ("constant", "nearest"):
        return torch.clip(index, 0, size - 1)
    if fill_mode == "wrap":
        return index % size
    if fill_mode == "mirror":  # d c b | a b c d | c b a: a triangle wave of period 2(size-1)
        if size == 1:
            return torch.zeros_like(index)
        return torch.abs((index + size - 1) % (2 * size - 2) - (size - 1))
    # reflect, d c b a | a b c d | d c b a: mirror the half-sample grid of 2 size + 1 points
    period = 2 * size
    return torch.div(torch.abs((2 * index + 1 + period) % (2 * period) - period) - 1, 2,
                     rounding_mode="floor")


def _nodes(coordinate, order: int):
    """The (index, weight) pairs that interpolate at ``coordinate`` along one axis."""
    if not coordinate.is_floating_point():  # an exact index
        return [(coordinate, 1)]
    if order == 0:
        return [(torch.round(coordinate).to(torch.int32), 1)]
    lower = torch.floor(coordinate)
    upper_weight = coordinate - lower
    index = lower.to(torch.int32)
    return [(index, 1 - upper_weight), (index + 1, upper_weight)]


def _sample(inputs, coordinates, order, fill_mode, fill_value):
    """``inputs`` interpolated at ``coordinates`` (one tensor per axis, broadcast together):
    the sum over the corners around each point of the weight product times the value (or
    ``fill_value`` outside, for "constant")."""
    per_axis = []
    for coordinate, size in zip(coordinates, inputs.shape):
        nodes = []
        for index, weight in _nodes(coordinate, order):
            inside = (index >= 0) & (index < size) if fill_mode == "constant" else None
            nodes.append((_fix_index(index, size, fill_mode).long(), inside, weight))
        per_axis.append(nodes)
    result = 0
    for corner in itertools.product(*per_axis):
        indices, insides, weights = zip(*corner)
        values = inputs[indices]
        insides = [m for m in insides if m is not None]
        if insides:
            values = torch.where(torch.stack(torch.broadcast_tensors(*insides)).all(0),
                                 values, fill_value)
        weight = 1
        for w in weights:
            weight = weight * w
        result = result + weight * values
    if not inputs.is_floating_point() and result.is_floating_point():
        result = torch.round(result)  # interpolated integers round to the nearest
    return result.to(inputs.dtype)


@keras_op(module="image")
def map_coordinates(inputs, coordinates, order, fill_mode="constant", fill_value=0):
    """``inputs`` interpolated at ``coordinates`` ``(rank, ...)``: nearest (``order=0``) or
    linear (``order=1``); points outside follow ``fill_mode`` ("constant" with
    ``fill_value``, "nearest", "wrap", "mirror", "reflect")."""
    inputs = convert_to_tensor(inputs)
    coordinates = [convert_to_tensor(c) for c in coordinates]
    if len(coordinates) != inputs.dim():
        raise ValueError("map_coordinates: the first axis of `coordinates` must be the rank of "
                         f"`inputs` ({inputs.dim()}, shape {tuple(inputs.shape)}); got "
                         f"{len(coordinates)}")
    if coordinates[0].dim() < 1:
        raise ValueError("map_coordinates: `coordinates` must have rank >= 2")
    _check_choice("map_coordinates", "fill_mode", fill_mode, _FILL_MODES)
    if order not in (0, 1):
        raise NotImplementedError(f"map_coordinates: `order` must be 0 or 1; got {order}")
    if isinstance(fill_value, float) and not inputs.is_floating_point():
        fill_value = int(fill_value)
    # every coordinate floating, as Keras interpolates them all (an int one stays exact)
    coordinates = [c if c.is_floating_point() else c.to(torch.float32) for c in coordinates]
    return _sample(inputs, coordinates, order, fill_mode, fill_value)


def _grid(images: torch.Tensor, dtype):
    """Output pixel coordinates ``(rows, cols)`` ``(1, height, width, 1)``, and the batch and
    channel indices, shaped to broadcast over ``(batch, height, width, channels)``."""
    batch, height, width, channels = images.shape
    device = images.device
    rows = torch.arange(height, dtype=dtype, device=device).view(1, height, 1, 1)
    cols = torch.arange(width, dtype=dtype, device=device).view(1, 1, width, 1)
    batches = torch.arange(batch, device=device).view(batch, 1, 1, 1)
    chans = torch.arange(channels, device=device).view(1, 1, 1, channels)
    return rows, cols, batches, chans


@keras_op(module="image")
def affine_transform(images, transform, interpolation="bilinear", fill_mode="constant",
                     fill_value=0, data_format=None):
    """Images resampled through ``transform = [a0, a1, a2, b0, b1, b2, c0, c1]`` (one, or one
    per image): output pixel ``(x, y)`` reads the input at ``(a0 x + a1 y + a2, b0 x + b1 y +
    b2)``. As in Keras, ``c0`` and ``c1`` shift the rows and columns of channel ``k`` by
    ``c0 k`` and ``c1 k`` (no projective division)."""
    _check_choice("affine_transform", "interpolation", interpolation, _INTERPOLATION_ORDERS)
    _check_choice("affine_transform", "fill_mode", fill_mode, _FILL_MODES)
    data_format = _data_format(data_format)
    images, transform = _images("affine_transform", images), convert_to_tensor(transform)
    if transform.dim() not in (1, 2) or transform.shape[-1] != 8:
        raise ValueError("affine_transform: `transform` must be (8,) or (batch, 8); got shape "
                         f"{tuple(transform.shape)}")
    x = _batched_nhwc(images, data_format)
    t = transform.reshape(-1, 8)
    t = t if t.is_floating_point() else t.to(torch.float32)
    t = t.T[:, :, None, None, None]  # (8, batch or 1, 1, 1, 1)
    rows, cols, batches, chans = _grid(x, t.dtype)
    a0, a1, a2, b0, b1, b2, c0, c1 = t
    in_rows = rows * b1 + cols * b0 + chans * c0 + b2
    in_cols = rows * a1 + cols * a0 + chans * c1 + a2
    out = _sample(x, (batches, in_rows, in_cols, chans), _INTERPOLATION_ORDERS[interpolation],
                  fill_mode, fill_value)
    return _restore(out, data_format, images.dim() == 3)


def _homographies(start_points, end_points, dtype):
    """The 8 coefficients per batch item of the projective map that takes ``end_points``
    (output corners) to ``start_points`` (input corners): ``(batch, 8)``."""
    rows = []
    for i in range(4):
        (x, y), (u, v) = end_points[:, i].unbind(-1), start_points[:, i].unbind(-1)
        zero, one = torch.zeros_like(x), torch.ones_like(x)
        rows.append(torch.stack([x, y, one, zero, zero, zero, -u * x, -u * y], dim=-1))
        rows.append(torch.stack([zero, zero, zero, x, y, one, -v * x, -v * y], dim=-1))
    targets = start_points.reshape(-1, 8, 1)
    solve_dtype = result_type(dtype, torch.float32)
    solution = torch.linalg.solve(torch.stack(rows, dim=1).to(solve_dtype),
                                  targets.to(solve_dtype))
    return solution.reshape(-1, 8).to(dtype)


@keras_op(module="image")
def perspective_transform(images, start_points, end_points, interpolation="bilinear",
                          fill_value=0, data_format=None):
    """Images warped so that the four ``start_points`` ``(4, 2)`` (x, y; or one set per
    image) land on ``end_points``; outside pixels take ``fill_value``."""
    _check_choice("perspective_transform", "interpolation", interpolation,
                  _INTERPOLATION_ORDERS)
    data_format = _data_format(data_format)
    images = _images("perspective_transform", images)
    start = convert_to_tensor(start_points, dtype=images.dtype)
    end = convert_to_tensor(end_points, dtype=images.dtype)
    for name, points in (("start_points", start), ("end_points", end)):
        if points.dim() not in (2, 3) or tuple(points.shape[-2:]) != (4, 2):
            raise ValueError(f"perspective_transform: `{name}` must be (4, 2) or (batch, 4, "
                             f"2); got shape {tuple(points.shape)}")
    if start.shape != end.shape:
        raise ValueError("perspective_transform: `start_points` and `end_points` must have "
                         f"the same shape; got {tuple(start.shape)} and {tuple(end.shape)}")
    x = _batched_nhwc(images, data_format)
    h = _homographies(start.reshape(-1, 4, 2), end.reshape(-1, 4, 2), images.dtype)
    h = h.T[:, :, None, None, None]  # (8, batch or 1, 1, 1, 1)
    rows, cols, batches, chans = _grid(x, images.dtype)
    denominator = h[6] * cols + h[7] * rows + 1.0
    in_cols = (h[0] * cols + h[1] * rows + h[2]) / denominator
    in_rows = (h[3] * cols + h[4] * rows + h[5]) / denominator
    out = _sample(x, (batches, in_rows, in_cols, chans), _INTERPOLATION_ORDERS[interpolation],
                  "constant", fill_value)
    return _restore(out, data_format, images.dim() == 3)


@keras_op(module="image")
def elastic_transform(images, alpha=20.0, sigma=5.0, interpolation="bilinear",
                      fill_mode="reflect", fill_value=0.0, seed=None, data_format=None):
    """Images warped by a random smooth displacement field: normal noise per pixel (times
    ``sigma``), Gaussian-blurred (``sigma``, window ``6 sigma``), scaled by ``alpha``. An int
    ``seed`` makes the field repeatable; None draws from torch's global generator."""
    _check_choice("elastic_transform", "interpolation", interpolation, _INTERPOLATION_ORDERS)
    _check_choice("elastic_transform", "fill_mode", fill_mode, _FILL_MODES)
    data_format = _data_format(data_format)
    images = _images("elastic_transform", images)
    x = _batched_nhwc(images, data_format)
    batch, height, width, _ = x.shape
    generator = None
    if seed is not None and x.device.type != "meta":
        generator = torch.Generator(device=x.device).manual_seed(int(seed))
    window = int(6 * sigma) | 1

    def field():
        noise = torch.normal(0.0, 1.0, size=(batch, height, width, 1), generator=generator,
                             dtype=images.dtype, device=x.device) * sigma
        return gaussian_blur(noise, (window, window), (sigma, sigma), "channels_last")

    dx, dy = field(), field()
    rows, cols, batches, chans = _grid(x, images.dtype)
    out = _sample(x, (batches, rows + alpha * dy, cols + alpha * dx, chans),
                  _INTERPOLATION_ORDERS[interpolation], fill_mode, fill_value)
    return _restore(out, data_format, images.dim() == 3)


# ============================================================================ filters
def _gaussian_1d(size: int, sigma, dtype, device) -> torch.Tensor:
    x = torch.arange(size, dtype=dtype, device=device) - (size - 1) / 2
    kernel = torch.exp(-0.5 * (x / sigma) ** 2)
    return kernel / kernel.sum()


@keras_op(module="image")
def gaussian_blur(images, kernel_size=(3, 3), sigma=(1.0, 1.0), data_format=None):
    """Images blurred by a Gaussian window of ``kernel_size`` (square) with standard
    deviations ``sigma = (along width, along height)``; zeros outside the image."""
    data_format = _data_format(data_format)
    images = _float_images("gaussian_blur", images)
    size = int(kernel_size[0])
    if int(kernel_size[1]) != size:
        raise ValueError("gaussian_blur: `kernel_size` must be square (Keras's torch backend "
                         f"gives inconsistent shapes otherwise); got {tuple(kernel_size)}")
    sigma = convert_to_tensor(sigma).to(images.device)
    x = images if images.dim() == 4 else images.unsqueeze(0)
    x = x.permute(0, 3, 1, 2) if data_format == "channels_last" else x
    channels = x.shape[1]
    kernel = torch.outer(_gaussian_1d(size, sigma[1], images.dtype, images.device),
                         _gaussian_1d(size, sigma[0], images.dtype, images.device))
    kernel = kernel.to(images.dtype).expand(channels, 1, size, size)
    out = F.conv2d(x, kernel, padding=size // 2, groups=channels)
    out = out.permute(0, 2, 3, 1) if data_format == "channels_last" else out
    return out if images.dim() == 4 else out.squeeze(0)


@keras_op(module="image")
def sobel_edges(images, data_format=None):
    """Sobel derivatives of a batch of images: ``(..., 2)`` with the vertical derivative
    (``dy``) first and the horizontal (``dx``) second; zeros outside the image."""
    data_format = _data_format(data_format)
    images = convert_to_tensor(images)
    if images.dim() != 4:
        raise ValueError("sobel_edges: `images` must have rank 4 (a batch); got shape "
                         f"{tuple(images.shape)}")
    x = images.permute(0, 3, 1, 2) if data_format == "channels_last" else images
    channels = x.shape[1]
    smooth = torch.tensor([1.0, 2.0, 1.0], dtype=images.dtype, device=images.device)
    slope = torch.tensor([-1.0, 0.0, 1.0], dtype=images.dtype, device=images.device)
    kernels = torch.stack([torch.outer(slope, smooth), torch.outer(smooth, slope)])
    kernels = kernels.unsqueeze(1).repeat(channels, 1, 1, 1)  # (dy, dx) per channel
    edges = F.conv2d(x, kernels, padding=1, groups=channels)
    edges = edges.unflatten(1, (channels, 2)).movedim(2, -1)  # (N, C, H, W, 2)
    return edges.permute(0, 2, 3, 1, 4) if data_format == "channels_last" else edges


@keras_op(module="image", class_name="SSIM")
def ssim(image1, image2, max_val=1.0, filter_size=11, filter_sigma=1.5, k1=0.01, k2=0.03,
         data_format=None):
    """Structural similarity (Wang et al., 2004) of two images or batches: local means,
    variances and covariance under a Gaussian window (valid positions), averaged over space
    and channels. Returns ``(batch,)`` or a scalar."""
    data_format = _data_format(data_format)
    a, b = _images("ssim", image1, "image1"), _images("ssim", image2, "image2")
    dtype, unbatched = a.dtype, a.dim() == 3
    compute = result_type(a.dtype, float)
    a, b = _batched_nhwc(a.to(compute), data_format), _batched_nhwc(b.to(compute), data_format)
    batch, height, width, channels = a.shape
    # every channel filtered on its own: (batch * channels, 1, height, width)
    a = a.permute(0, 3, 1, 2).reshape(-1, 1, height, width)
    b = b.permute(0, 3, 1, 2).reshape(-1, 1, height, width)
    x = torch.arange(filter_size, dtype=compute, device=a.device) - (filter_size - 1) / 2.0
    window = torch.exp(-(x**2) / (2.0 * filter_sigma**2))
    window = window / window.sum()
    window = torch.outer(window, window)[None, None]

    def local_mean(z):
        return F.conv2d(z, window)

    mu1, mu2 = local_mean(a), local_mean(b)
    var1 = local_mean(a * a) - mu1 * mu1
    var2 = local_mean(b * b) - mu2 * mu2
    covariance = local_mean(a * b) - mu1 * mu2
    c1, c2 = (k1 * max_val) ** 2, (k2 * max_val) ** 2
    similarity = ((2.0 * mu1 * mu2 + c1) * (2.0 * covariance + c2)
                  / ((mu1 * mu1 + mu2 * mu2 + c1) * (var1 + var2 + c2)))
    result = similarity.mean(dim=(1, 2, 3)).reshape(batch, channels).mean(-1)
    return (result.squeeze(0) if unbatched else result).to(dtype)


# ============================================================================ patches
@keras_op(module="image")
def extract_patches(images, size, strides=None, dilation_rate=1, padding="valid",
                    data_format=None):
    """Patches of ``size`` (2 ints for images, 3 for volumes) as channels: ``(..., rows,
    cols, size_h * size_w * channels)``, the channel axis fastest within a patch; ``strides``
    defaults to ``size``."""
    if isinstance(size, int):
        size = (size, size)
    if not isinstance(size, (tuple, list)) or len(size) not in (2, 3):
        raise ValueError(f"extract_patches: `size` must be an int or 2 or 3 ints; got {size!r}")
    data_format = _data_format(data_format)
    images = convert_to_tensor(images)
    spatial = len(size)
    if images.dim() not in (spatial + 1, spatial + 2):
        raise ValueError(f"extract_patches: `images` must have rank {spatial + 1} or "
                         f"{spatial + 2} for a patch size of {len(size)} axes; got shape "
                         f"{tuple(images.shape)}")
    strides = strides or size
    unbatched = images.dim() == spatial + 1
    x = images.unsqueeze(0) if unbatched else images
    out = (_patches_2d if spatial == 2 else _patches_3d)(x, tuple(size), strides,
                                                         dilation_rate, padding, data_format)
    return out.squeeze(0) if unbatched else out


def _patches_2d(x, size, strides, dilation_rate, padding, data_format):
    """Patches of a batch of images by ``F.unfold`` (im2col), padded as Keras pads a "same"
    convolution (the odd pixel at the end)."""
    strides = conv_kernels.normalize_tuple(strides, 2, "strides")
    dilation = conv_kernels.normalize_tuple(dilation_rate, 2, "dilation_rate")
    padding = conv_kernels.normalize_padding(padding)
    x = x.permute(0, 3, 1, 2) if data_format == "channels_last" else x
    batch, channels, height, width = x.shape
    pads = [conv_kernels.padding_amounts(n, k, s, d, padding)
            for n, k, s, d in zip((height, width), size, strides, dilation)]
    x = F.pad(x, (*pads[1], *pads[0]))
    rows = conv_kernels.output_length(x.shape[2], size[0], strides[0], dilation[0], "valid")
    cols = conv_kernels.output_length(x.shape[3], size[1], strides[1], dilation[1], "valid")
    columns = F.unfold(x, size, dilation=dilation, stride=strides)  # (N, C * kh * kw, L)
    # Keras orders a patch's values (row, column, channel), channels fastest
    patches = columns.reshape(batch, channels, size[0] * size[1], rows, cols)
    patches = patches.permute(0, 3, 4, 2, 1).reshape(batch, rows, cols, -1)
    return patches if data_format == "channels_last" else patches.permute(0, 3, 1, 2)


def _patches_3d(x, size, strides, dilation_rate, padding, data_format):
    """Patches of a batch of volumes: torch has no 3-D im2col, so a convolution with the
    identity as kernel copies each patch into the channels (as Keras does)."""
    channels = x.shape[-1] if data_format == "channels_last" else x.shape[1]
    patch = channels * size[0] * size[1] * size[2]
    kernel = torch.eye(patch, dtype=x.dtype, device=x.device).reshape(*size, channels, patch)
    return nn.conv(x, kernel, strides=strides, padding=padding, data_format=data_format,
                   dilation_rate=dilation_rate)


def extract_patches_3d(volumes, size, strides=None, dilation_rate=1, padding="valid",
                       data_format=None):
    """Patches of ``size`` (an int or 3 ints) from volumes as channels: ``(..., d, h, w,
    size_d * size_h * size_w * channels)``; Keras's ``ExtractPatches`` op in 3-D."""
    size = (size,) * 3 if isinstance(size, int) else tuple(size)
    if len(size) != 3:
        raise ValueError(f"extract_patches_3d: `size` must be an int or 3 ints; got {size!r}")
    return extract_patches(volumes, size, strides, dilation_rate, padding, data_format)
