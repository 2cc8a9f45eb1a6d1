"""Convolutions on Keras-layout tensors, for any number of spatial axes (1, 2 or 3).

Keras keeps images channels-last, ``(batch, *spatial, channels)``, and kernels as
``(*kernel_size, in_channels // groups, filters)``. Torch's kernels want ``(batch, channels,
*spatial)`` and ``(filters, in_channels // groups, *kernel_size)``. Every conversion between the
two lives here.

Why permuted *views* and no ``.contiguous()``: a channels-last tensor seen through
``permute(0, 3, 1, 2)`` is exactly what torch calls ``memory_format=torch.channels_last``, which
oneDNN (CPU) and cuDNN convolve natively and answer in the same memory format. Permuting the
answer back gives a contiguous ``(batch, height, width, filters)`` tensor, so the whole
convolution runs without a single copy and a following ``Flatten`` is a free reshape in Keras's
``(h, w, c)`` order. Measured on CPU, this beats copying to NCHW (as Keras's torch backend does)
when there is more than one input channel, and ties with it for one channel.

A 1-D convolution runs as a 2-D one over a height of 1, for the same reason: torch's conv1d has
no channels-last path and copies.

"same" padding follows TensorFlow, as Keras does: the total padding is split in two with the odd
pixel at the end (bottom / right). Torch's own ``padding=`` argument pads both sides equally, so
uneven padding is done with one ``F.pad`` first.
"""

from __future__ import annotations

import operator

import torch
import torch.nn.functional as F

_TORCH_CONV = {2: F.conv2d, 3: F.conv3d}  # 1-D goes through conv2d, see ``conv``


# ---------------------------------------------------------------------- arguments
def normalize_tuple(value, n: int, name: str, allow_zero: bool = False) -> tuple[int, ...]:
    """``3`` -> ``(3, 3)`` for ``n == 2``; a sequence must have ``n`` integers (numpy integers
    too). Raises ``ValueError`` naming the argument otherwise."""
    try:
        values = (_integer(value),) * n
    except TypeError:
        try:
            values = tuple(_integer(v) for v in value)
        except TypeError:
            values = ()
        if len(values) != n:
            raise ValueError(
                f"`{name}` must be an integer or a tuple of {n} integers; got {value!r}"
            ) from None
    lowest = 0 if allow_zero else 1
    if any(v < lowest for v in values):
        raise ValueError(
            f"`{name}` must be {'>= 0' if allow_zero else 'positive'}; got {value!r}"
        )
    return values


def _integer(value) -> int:
    if isinstance(value, bool):
        raise TypeError("a bool is not a size")
    return operator.index(value)  # ints and numpy integers; floats and strings raise TypeError


def normalize_padding(value, allow_causal: bool = False) -> str:
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    padding = value.lower() if isinstance(value, str) else value
    if padding not in allowed:
        raise ValueError(f"`padding` must be one of {allowed}; got {value!r}")
    return padding


def normalize_data_format(value) -> str:
    data_format = "channels_last" if value is None else str(value).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f'`data_format` must be "channels_last" or "channels_first"; got {value!r}'
        )
    return data_format


_SPATIAL_NAMES = {1: ("steps",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def describe_layout(rank: int, data_format: str) -> str:
    """How the axes read, for messages: ``"(batch, height, width, channels)"``."""
    spatial = ", ".join(_SPATIAL_NAMES.get(rank, ("spatial",) * rank))
    if data_format == "channels_last":
        return f"(batch, {spatial}, channels)"
    return f"(batch, channels, {spatial})"


def as_tuple(value, n: int) -> tuple:
    """The hot-path cousin of ``normalize_tuple``: no checks (layers have checked already)."""
    return (value,) * n if isinstance(value, int) else tuple(value)


# ---------------------------------------------------------------------- shapes
def spatial_axes(ndim: int, data_format: str) -> tuple[int, ...]:
    """Axes of the spatial dimensions of a rank-``ndim`` tensor."""
    return tuple(range(1, ndim - 1)) if data_format == "channels_last" else tuple(range(2, ndim))


def channel_axis(data_format: str) -> int:
    return -1 if data_format == "channels_last" else 1


def padding_amounts(size, kernel: int, stride: int, dilation: int, padding: str):
    """``(before, after)`` padding of one spatial axis of length ``size``."""
    extent = (kernel - 1) * dilation + 1  # what a dilated kernel covers
    if padding == "valid":
        return (0, 0)
    if padding == "causal":  # the output at t sees inputs up to t only
        return (extent - 1, 0)
    out = -(-size // stride)  # ceil: "same" keeps ceil(size / stride) outputs
    total = max(0, (out - 1) * stride + extent - size)
    return (total // 2, total - total // 2)


def output_length(size, kernel: int, stride: int, dilation: int, padding: str):
    """Output length of a convolution or pooling window along one axis (None stays None)."""
    if size is None:
        return None
    if padding == "valid":
        return (size - (kernel - 1) * dilation - 1) // stride + 1
    return (size - 1) // stride + 1  # "same" and "causal"


# ---------------------------------------------------------------------- layouts
def to_channels_first(x: torch.Tensor) -> torch.Tensor:
    """``(batch, *spatial, channels)`` -> ``(batch, channels, *spatial)``, a view (no copy)."""
    return x.permute(0, x.dim() - 1, *range(1, x.dim() - 1))


def to_channels_last(x: torch.Tensor) -> torch.Tensor:
    """``(batch, channels, *spatial)`` -> ``(batch, *spatial, channels)``, a view (no copy)."""
    return x.permute(0, *range(2, x.dim()), 1)


def height_axis_1d(data_format: str) -> int:
    """Where a 1-D tensor gets a height axis of 1 to be handled as an image."""
    return 1 if data_format == "channels_last" else 2


def kernel_to_torch(kernel: torch.Tensor) -> torch.Tensor:
    """Keras kernel ``(*kernel_size, in, out)`` -> torch weight ``(out, in, *kernel_size)``."""
    rank = kernel.dim() - 2
    return kernel.permute(rank + 1, rank, *range(rank))


def kernel_from_torch(weight: torch.Tensor) -> torch.Tensor:
    """Torch weight ``(out, in, *kernel_size)`` -> Keras kernel ``(*kernel_size, in, out)``."""
    return weight.permute(*range(2, weight.dim()), 1, 0)


def pad_spatial(x: torch.Tensor, pads, data_format: str, value: float = 0.0) -> torch.Tensor:
    """Pad the spatial axes of ``x`` (in ``data_format``) with ``value``; ``pads`` is
    ``[(before, after), ...]``, first spatial axis first. Channels-last stays contiguous."""
    flat = [0, 0] if data_format == "channels_last" else []  # F.pad lists the last axis first
    for before, after in reversed(pads):
        flat += [before, after]
    return F.pad(x, flat, mode="constant", value=value)


def pad_channels_first(x: torch.Tensor, pads, mode: str = "constant", value: float = 0.0):
    """Pad the spatial axes of a channels-first tensor by ``pads = [(before, after), ...]``
    (first spatial axis first)."""
    flat = []
    for before, after in reversed(pads):  # F.pad lists the last axis first
        flat += [before, after]
    if mode == "constant":
        return F.pad(x, flat, mode="constant", value=value)
    return F.pad(x, flat, mode=mode)


def torch_padding(x_cf: torch.Tensor, pads, mode: str = "constant", value: float = 0.0):
    """Prepare ``pads`` for a torch kernel: equal padding goes to the kernel's own ``padding=``
    argument (free); uneven padding is applied to ``x_cf`` first. Returns ``(x_cf, padding)``."""
    if all(before == after for before, after in pads):
        return x_cf, tuple(before for before, _ in pads)
    return pad_channels_first(x_cf, pads, mode, value), (0,) * len(pads)


# ---------------------------------------------------------------------- convolution
def conv(
    x: torch.Tensor,
    kernel: torch.Tensor,
    bias: torch.Tensor | None = None,
    strides=1,
    padding: str = "valid",
    dilation_rate=1,
    data_format: str = "channels_last",
) -> torch.Tensor:
    """Keras's convolution: ``x`` in ``data_format``, ``kernel`` ``(*kernel_size, in // groups,
    filters)``; the number of groups is ``in // kernel.shape[-2]``. Output in ``data_format``.

    ``padding`` is "valid", "same" (TensorFlow's: odd pixel at the end) or "causal" (all the
    padding before, for one spatial axis).
    """
    rank = kernel.dim() - 2
    strides = as_tuple(strides, rank)
    dilation = as_tuple(dilation_rate, rank)
    if rank == 1:
        # torch's conv1d has no channels-last path: run it as a 2-D convolution over a height of
        # 1, which oneDNN / cuDNN do channels-last without copies (3x faster on CPU, measured on
        # (32, 500, 128) inputs, forward and backward).
        axis = height_axis_1d(data_format)
        y = conv(x.unsqueeze(axis), kernel.unsqueeze(0), bias, (1,) + strides, padding,
                 (1,) + dilation, data_format)
        return y.squeeze(axis)
    channels_last = data_format == "channels_last"
    x_cf = to_channels_first(x) if channels_last else x
    sizes, kernel_size = x_cf.shape[2:], kernel.shape[:rank]
    pads = [
        padding_amounts(size, k, s, d, padding)
        for size, k, s, d in zip(sizes, kernel_size, strides, dilation, strict=True)
    ]
    x_cf, pad = torch_padding(x_cf, pads)
    weight = kernel_to_torch(kernel)
    groups = x_cf.shape[1] // weight.shape[1]
    y = _TORCH_CONV[rank](x_cf, weight, bias, strides, pad, dilation, groups)
    return to_channels_last(y) if channels_last else y
