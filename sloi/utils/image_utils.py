"""Images to arrays and back (``keras.utils.load_img``, ``img_to_array``, ``array_to_img``,
``save_img``, ``keras.preprocessing.image.smart_resize``).

Pillow reads and writes the files. sloi does not need it to import: it is imported on first
use, with an error that says how to install it.
"""

from __future__ import annotations

import io
import pathlib
import warnings

import numpy as np
import torch
import torch.nn.functional as F

from sloi import settings

# Keras's torch backend resizes with these F.interpolate modes
_TORCH_MODES = {"bilinear": "bilinear", "nearest": "nearest-exact", "bicubic": "bicubic"}
_PIL_FILTERS = ("nearest", "bilinear", "bicubic", "hamming", "box", "lanczos")


def pil_image(what: str):
    """``PIL.Image``, or an ImportError naming ``what`` needed it."""
    try:
        from PIL import Image
    except ImportError as e:
        raise ImportError(f"{what} needs Pillow to read and write images: "
                          "pip install pillow") from e
    return Image


def _data_format(data_format):
    data_format = settings.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError('data_format must be "channels_last" or "channels_first"; got '
                         f"data_format={data_format!r}")
    return data_format


def array_to_img(x, data_format=None, scale=True, dtype=None):
    """A 3-D array ``(height, width, channels)`` as a PIL image (RGB, RGBA, or L / I for one
    channel).

    Args:
        x: the array (numpy, torch or nested lists).
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the global one).
        scale: stretch the values to 0..255 (min to 0, max to 255) first.
        dtype: the dtype the array is read as (default ``floatx()``).
    """
    Image = pil_image("array_to_img")
    data_format = _data_format(data_format)
    x = np.array(_numpy(x), dtype=dtype or settings.floatx())
    if x.ndim != 3:
        raise ValueError(f"array_to_img expects an image of rank 3 (height, width, channels); "
                         f"got an array of shape {x.shape}")
    if data_format == "channels_first":
        x = x.transpose(1, 2, 0)
    if scale:
        x = x - np.min(x)
        peak = np.max(x)
        if peak != 0:
            x /= peak
        x *= 255
    channels = x.shape[2]
    if channels == 4:
        return Image.fromarray(x.astype("uint8"), "RGBA")
    if channels == 3:
        return Image.fromarray(x.astype("uint8"), "RGB")
    if channels == 1:
        # values past 8 bits stay 32-bit integers ("I"), as Keras keeps them
        if np.max(x) > 255:
            return Image.fromarray(x[:, :, 0].astype("int32"), "I")
        return Image.fromarray(x[:, :, 0].astype("uint8"), "L")
    raise ValueError(f"array_to_img: an image needs 1, 3 or 4 channels; got {channels} "
                     f"(shape {x.shape})")


def img_to_array(img, data_format=None, dtype=None):
    """A PIL image as a numpy array ``(height, width, channels)`` (or channels first) of
    ``dtype`` (default ``floatx()``); a grayscale image gets a channel axis of 1."""
    data_format = _data_format(data_format)
    x = np.asarray(img, dtype=dtype or settings.floatx())
    if x.ndim == 3:
        return x.transpose(2, 0, 1) if data_format == "channels_first" else x
    if x.ndim == 2:
        return x[None] if data_format == "channels_first" else x[:, :, None]
    raise ValueError(f"img_to_array: unsupported image shape {x.shape}")


def save_img(path, x, data_format=None, file_format=None, scale=True, **kwargs):
    """Writes the array ``x`` as an image file; the format comes from ``file_format`` or the
    file's suffix. ``kwargs`` go to ``PIL.Image.save`` (``quality=...``)."""
    data_format = _data_format(data_format)
    if file_format is None and isinstance(path, (str, pathlib.Path)):
        file_format = pathlib.Path(path).suffix[1:].lower()
    if file_format and file_format.lower() == "jpg":
        file_format = "jpeg"
    img = array_to_img(x, data_format=data_format, scale=scale)
    if img.mode == "RGBA" and file_format == "jpeg":
        warnings.warn("save_img: JPEG has no alpha channel; the RGBA image is saved as RGB",
                      stacklevel=2)
        img = img.convert("RGB")
    img.save(path, format=file_format or None, **kwargs)


def load_img(path, color_mode="rgb", target_size=None, interpolation="nearest",
             keep_aspect_ratio=False):
    """Reads an image file into a PIL image.

    Args:
        path: a path (str, bytes, ``pathlib.Path``) or an ``io.BytesIO``.
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"``.
        target_size: ``(height, width)`` to resize to, or None for the file's size.
        interpolation: Pillow's filter for the resize: ``"nearest"``, ``"bilinear"``,
            ``"bicubic"``, ``"hamming"``, ``"box"`` or ``"lanczos"``.
        keep_aspect_ratio: crop the centre to the target's aspect ratio before resizing.
    """
    Image = pil_image("load_img")
    if isinstance(path, io.BytesIO):
        img = Image.open(path)
    elif isinstance(path, (pathlib.Path, bytes, str)):
        # read the bytes first, so the file is closed before the image is used
        with open(path, "rb") as f:
            img = Image.open(io.BytesIO(f.read()))
    else:
        raise TypeError(f"load_img: path must be path-like or io.BytesIO; got {type(path)}")
    img = _convert(img, color_mode, "load_img")
    if target_size is None:
        return img
    size = (target_size[1], target_size[0])  # Pillow counts width first
    if img.size == size:
        return img
    if interpolation not in _PIL_FILTERS:
        raise ValueError(f"load_img: interpolation must be one of {list(_PIL_FILTERS)}; got "
                         f"interpolation={interpolation!r}")
    resample = getattr(Image.Resampling, interpolation.upper())
    if not keep_aspect_ratio:
        return img.resize(size, resample)
    width, height = img.size
    crop_h = min(height, width * size[1] // size[0])
    crop_w = min(width, height * size[0] // size[1])
    top, left = (height - crop_h) // 2, (width - crop_w) // 2
    return img.resize(size, resample, box=[left, top, left + crop_w, top + crop_h])


def _convert(img, color_mode, what):
    if color_mode == "grayscale":
        # 16- and 32-bit grayscale keep their depth
        return img if img.mode in ("L", "I;16", "I") else img.convert("L")
    if color_mode == "rgba":
        return img if img.mode == "RGBA" else img.convert("RGBA")
    if color_mode == "rgb":
        return img if img.mode == "RGB" else img.convert("RGB")
    raise ValueError(f'{what}: color_mode must be "grayscale", "rgb" or "rgba"; got '
                     f"color_mode={color_mode!r}")


def read_image(path, num_channels, what):
    """The image file at ``path`` as a float32 tensor ``(height, width, channels)``, converted
    to ``num_channels`` (1, 3 or 4) as Keras's dataset loaders do."""
    Image = pil_image(what)
    mode = {1: "grayscale", 3: "rgb", 4: "rgba"}[num_channels]
    with Image.open(path) as img:
        array = np.array(_convert(img, mode, what), dtype="float32")
    if array.ndim == 2:
        array = array[:, :, None]
    return torch.from_numpy(array)


def resize_images(images, size, interpolation="bilinear", crop_to_aspect_ratio=False,
                  pad_to_aspect_ratio=False, fill_value=0.0, data_format="channels_last"):
    """``images`` (3-D or 4-D float tensor) resized to ``size = (height, width)`` as Keras's
    torch backend resizes them (``F.interpolate``, half-pixel centres, no antialias), after an
    optional centre crop or pad to the target's aspect ratio."""
    if interpolation not in _TORCH_MODES:
        raise ValueError(f"resize: interpolation must be one of {list(_TORCH_MODES)} on torch; "
                         f"got interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError("resize: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both be "
                         "True")
    single = images.ndim == 3
    x = images[None] if single else images
    if data_format == "channels_last":
        x = x.permute(0, 3, 1, 2)
    height, width = x.shape[-2:]
    target_h, target_w = size
    if crop_to_aspect_ratio:
        crop_h = max(min(height, int(float(width * target_h) / target_w)), 1)
        crop_w = max(min(width, int(float(height * target_w) / target_h)), 1)
        top, left = int((height - crop_h) / 2), int((width - crop_w) / 2)
        x = x[:, :, top:top + crop_h, left:left + crop_w]
    elif pad_to_aspect_ratio:
        pad_h = max(height, int(float(width * target_h) / target_w))
        pad_w = max(width, int(float(height * target_w) / target_h))
        # Keras pads the same amount on both sides (an odd remainder is dropped)
        top, left = int((pad_h - height) / 2), int((pad_w - width) / 2)
        x = F.pad(x, (left, left, top, top), value=fill_value)
    align = False if interpolation in ("bilinear", "bicubic") else None
    x = F.interpolate(x, size=tuple(size), mode=_TORCH_MODES[interpolation],
                      align_corners=align)
    if data_format == "channels_last":
        x = x.permute(0, 2, 3, 1)
    return x[0] if single else x


def smart_resize(x, size, interpolation="bilinear", data_format="channels_last"):
    """Resizes images to ``size`` without distorting them: the largest centred crop with the
    target's aspect ratio, then a resize. ``x`` is one image (rank 3) or a batch (rank 4);
    a numpy array in gives a numpy array out."""
    if len(size) != 2:
        raise ValueError(f"smart_resize: size must be (height, width); got size={size!r}")
    img = torch.as_tensor(_numpy(x)) if not isinstance(x, torch.Tensor) else x
    if img.ndim not in (3, 4):
        raise ValueError("smart_resize expects an image (height, width, channels) or a batch "
                         f"(batch, height, width, channels); got shape {tuple(img.shape)}")
    dtype = img.dtype
    out = resize_images(img.float() if not dtype.is_floating_point else img, size,
                        interpolation, crop_to_aspect_ratio=True, data_format=data_format)
    if isinstance(x, np.ndarray):
        return out.numpy()
    return out


def _numpy(x):
    return x.detach().cpu().numpy() if isinstance(x, torch.Tensor) else x
