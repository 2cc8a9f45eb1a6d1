"""Image resizing behind ``Resizing`` and ``CenterCrop``: Keras 3's ``image.resize`` on its
torch backend (``F.interpolate``, half-pixel centres), with the centred crop or pad to the
target aspect ratio, plus TensorFlow's ``"area"`` method (an exact box filter)."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sloi.engine.symbolic import format_shape

# Keras name -> F.interpolate mode ("nearest" is "nearest-exact": half-pixel centres)
INTERPOLATE_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic"}
INTERPOLATIONS = tuple(INTERPOLATE_MODES) + ("area",)
# TensorFlow-only methods: Keras on torch refuses them too
UNSUPPORTED = ("lanczos3", "lanczos5", "gaussian", "mitchellcubic")


def image_axes(layer, shape: tuple, data_format: str) -> tuple[int, int]:
    """The height and width axes of images of ``shape``, a batch ``(batch, height, width,
    channels)`` or one image (or channels first); any other rank is refused, naming
    ``layer``."""
    if len(shape) not in (3, 4):
        raise ValueError(
            f'Layer "{layer.name}" ({type(layer).__name__}) expects images of rank 4 (batch, '
            f"height, width, channels) or rank 3 (one image); got shape {format_shape(shape)}")
    h_axis = len(shape) - 3 if data_format == "channels_last" else len(shape) - 2
    return h_axis, h_axis + 1


def resized_shape(layer, shape, height: int, width: int, data_format: str) -> tuple:
    """``shape`` with its height and width replaced by ``height`` and ``width``."""
    shape = list(shape)
    h_axis, w_axis = image_axes(layer, tuple(shape), data_format)
    shape[h_axis], shape[w_axis] = height, width
    return tuple(shape)


def crop_box(height: int, width: int, target_height: int, target_width: int):
    """``(top, left, crop_height, crop_width)``: the largest centred box of the target's
    aspect ratio, as Keras computes it (integer truncation included)."""
    crop_height = max(min(height, int(float(width * target_height) / target_width)), 1)
    crop_width = max(min(width, int(float(height * target_width) / target_height)), 1)
    return (int(float(height - crop_height) / 2), int(float(width - crop_width) / 2),
            crop_height, crop_width)


def _pad_to_aspect_ratio(images, target_height, target_width, fill_value):
    """Pad (channels-first images) with ``fill_value`` on both sides of the short side, by
    the same amount each side, as Keras does."""
    height, width = images.shape[-2], images.shape[-1]
    pad_height = max(height, int(float(width * target_height) / target_width))
    pad_width = max(width, int(float(height * target_width) / target_height))
    top = int(float(pad_height - height) / 2)
    left = int(float(pad_width - width) / 2)
    if top > 0 or left > 0:
        images = F.pad(images, (left, left, top, top), value=float(fill_value))
    return images


def _area_weights(size_in: int, size_out: int, dtype, device) -> torch.Tensor:
    """``(size_out, size_in)``: output pixel ``i`` averages the input span
    ``[i * s, (i + 1) * s)``, ``s = size_in / size_out``, each input pixel weighted by how much
    of it lies in the span (TensorFlow's ``resize_area``)."""
    scale = size_in / size_out
    edges = torch.arange(size_out + 1, dtype=torch.float64) * scale
    start, end = edges[:-1, None], edges[1:, None]
    pixel = torch.arange(size_in, dtype=torch.float64)[None, :]
    overlap = (torch.minimum(end, pixel + 1) - torch.maximum(start, pixel)).clamp(min=0)
    return (overlap / scale).to(dtype=dtype, device=device)


def resize(images: torch.Tensor, height: int, width: int, interpolation: str = "bilinear",
           crop_to_aspect_ratio: bool = False, pad_to_aspect_ratio: bool = False,
           fill_value: float = 0.0, antialias: bool = False,
           data_format: str = "channels_last") -> torch.Tensor:
    """Resize a batch (rank 4) or one image (rank 3) to ``(height, width)``.

    Inputs other than float32 / float64 are resized in float32 and then rounded and cast
    back to their dtype (clamped to its range), as Keras does.
    """
    single = images.ndim == 3
    x = images.unsqueeze(0) if single else images
    out_dtype = x.dtype
    if out_dtype not in (torch.float32, torch.float64):
        x = x.to(torch.float32)
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    if crop_to_aspect_ratio:
        top, left, h, w = crop_box(x.shape[-2], x.shape[-1], height, width)
        x = x[:, :, top:top + h, left:left + w]
    elif pad_to_aspect_ratio:
        x = _pad_to_aspect_ratio(x, height, width, fill_value)
    if interpolation == "area":
        rows = _area_weights(x.shape[-2], height, x.dtype, x.device)
        cols = _area_weights(x.shape[-1], width, x.dtype, x.device)
        x = torch.einsum("hi,bcij,wj->bchw", rows, x, cols)
    else:
        # Keras passes antialias only to the filters that have it
        antialias = bool(antialias) and interpolation in ("bilinear", "bicubic")
        x = F.interpolate(x, size=(height, width), mode=INTERPOLATE_MODES[interpolation],
                          align_corners=False if interpolation != "nearest" else None,
                          antialias=antialias)
    if data_format == "channels_last":
        x = x.permute(0, 2, 3, 1)
    if single:
        x = x.squeeze(0)
    if x.dtype != out_dtype:
        if not out_dtype.is_floating_point:
            info = torch.iinfo(out_dtype)
            x = torch.round(x).clamp(info.min, info.max)
        x = x.to(out_dtype)
    return x
