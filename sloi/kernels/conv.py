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

from sloi import settings

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


def normalize_pairs(value, n: int, name: str) -> tuple[tuple[int, int], ...]:
    """``(before, after)`` amounts for each of ``n`` axes, as Keras's padding / cropping layers
    take them: an int (every side), ``n`` ints (both sides of each axis) or ``n`` pairs.
    Raises ``ValueError`` naming the argument otherwise."""
    try:
        amount = _integer(value)
    except TypeError:
        if isinstance(value, str) or not hasattr(value, "__len__") or len(value) != n:
            raise ValueError(
                f"`{name}` must be an int, a tuple of {n} ints or a tuple of {n} tuples of 2 "
                f"ints (before, after); got {value!r}"
            ) from None
        return tuple(normalize_tuple(v, 2, f"{name}[{i}] (before, after)", allow_zero=True)
                     for i, v in enumerate(value))
    return (normalize_tuple(amount, 2, name, allow_zero=True),) * n


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
    data_format = settings.image_data_format() if value is None else str(value).lower()
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
_CHANNELS_LAST_FORMAT = {4: torch.channels_last, 5: torch.channels_last_3d}


def _weight_like(weight: torch.Tensor, channels_last: bool) -> torch.Tensor:
    """The torch-layout view of a Keras kernel in the memory layout of the input it meets: a
    free view when the kernel was laid out that way (``torch_layout_kernel``), else a copy.
    A view whose strides match no layout oneDNN knows goes down a slow path for some shapes
    (measured, CPU forward, a (32, 64, 64, 1) input and a 4x4x1x64 kernel: 6.5 ms as a view,
    0.75 ms copied). Gradients flow through the copy."""
    layout = _CHANNELS_LAST_FORMAT.get(weight.dim()) if channels_last else None
    if layout is None:
        return weight.contiguous()
    return weight.contiguous(memory_format=layout)


def torch_layout_kernel(kernel: torch.Tensor, data_format: str) -> torch.Tensor:
    """``kernel``'s values in its own Keras shape, stored in the order ``conv`` hands torch the
    weight (channels-last for channels-last inputs): a conv layer keeps its kernel this way, so
    that no call copies it. The copy of the other layout is a few kilobytes; a move (``.to``)
    or a clone keeps the strides."""
    rank = kernel.dim() - 2
    weight = kernel_to_torch(kernel.unsqueeze(0) if rank == 1 else kernel)
    weight = _weight_like(weight, data_format == "channels_last")
    laid = kernel_from_torch(weight)
    return laid.squeeze(0) if rank == 1 else laid


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
    channels_last = data_format == "channels_last"
    squeeze = None
    if rank == 1:
        # torch's conv1d has no channels-last path: run it as a 2-D convolution over a height of
        # 1, which oneDNN / cuDNN do channels-last without copies (3x faster on CPU, measured on
        # (32, 500, 128) inputs, forward and backward).
        squeeze = height_axis_1d(data_format)
        x, kernel = x.unsqueeze(squeeze), kernel.unsqueeze(0)
        strides, dilation, rank = (1,) + strides, (1,) + dilation, 2
    x_cf = to_channels_first(x) if channels_last else x
    if padding == "valid":
        pad = 0
    else:
        pads = [padding_amounts(size, k, s, d, padding) for size, k, s, d in zip(
            x_cf.shape[2:], kernel.shape[:rank], strides, dilation, strict=True)]
        x_cf, pad = torch_padding(x_cf, pads)
    weight = _weight_like(kernel_to_torch(kernel), channels_last)
    groups = x_cf.shape[1] // weight.shape[1]
    y = _TORCH_CONV[rank](x_cf, weight, bias, strides, pad, dilation, groups)
    if channels_last:
        y = to_channels_last(y)
    return y if squeeze is None else y.squeeze(squeeze)


def conv_sequence(
    x: torch.Tensor,
    kernel: torch.Tensor,
    bias: torch.Tensor | None = None,
    strides=1,
    padding: str = "valid",
    dilation_rate=1,
    data_format: str = "channels_last",
) -> torch.Tensor:
    """``conv`` applied to every step of a sequence ``(batch, steps, ...)`` with one kernel call:
    the steps fold into the batch (a free reshape), so a whole video is convolved at once
    instead of frame by frame. Output ``(batch, steps, ...)``, each step in ``data_format``."""
    batch, steps = x.shape[0], x.shape[1]
    y = conv(x.reshape((batch * steps,) + tuple(x.shape[2:])), kernel, bias, strides, padding,
             dilation_rate, data_format)
    return y.reshape((batch, steps) + tuple(y.shape[1:]))


# ---------------------------------------------------------------------- transposed convolution
# A transposed convolution spreads every input step over ``kernel`` output steps, ``stride``
# apart. Torch's ``conv_transpose`` (padding 0) gives the *full* result, ``(size - 1) * stride +
# extent`` long. Keras asks for a length of its own (below) and trims the full result like
# TensorFlow: the surplus split in two, the odd step taken off the end; when Keras asks for more
# than the full result (``output_padding``, or a stride wider than the kernel), the extra steps
# are added at the end, and no input reaches them.


def conv_transpose_output_length(size, kernel: int, stride: int, dilation: int, padding: str,
                                 output_padding=None):
    """Keras's output length of a transposed convolution along one axis (None stays None)."""
    if size is None:
        return None
    extent = (kernel - 1) * dilation + 1
    if padding == "valid":
        extra = max(extent, stride) - extent if output_padding is None else output_padding
        return (size - 1) * stride + extent + extra
    if output_padding is None:  # "same": the inverse of a "same" convolution's ceil(size / stride)
        return size * stride
    return (size - 1) * stride + extent % 2 + output_padding


def conv_transpose_trim(kernel: int, stride: int, dilation: int, padding: str,
                        output_padding=None) -> tuple[int, int, int]:
    """How to get Keras's window out of torch's ``conv_transpose`` along one axis:
    ``(torch_padding, torch_output_padding, drop_at_end)``.

    Torch trims ``torch_padding`` steps from both ends of the full result and then grows the end
    by ``torch_output_padding``; Keras's split can leave one more step to drop at the end.
    The surplus (full length minus Keras's length) does not depend on the input length.
    """
    extent = (kernel - 1) * dilation + 1
    # full minus Keras's length, the same for every input size: take size 1, whose full is extent
    surplus = extent - conv_transpose_output_length(1, kernel, stride, dilation, padding,
                                                    output_padding)
    left = max(surplus // 2, 0)
    right = surplus - left  # < 0: steps to add at the end
    return left, max(left - right, 0), max(right - left, 0)


def conv_transpose(
    x: torch.Tensor,
    kernel: torch.Tensor,
    bias: torch.Tensor | None = None,
    strides=1,
    padding: str = "valid",
    output_padding=None,
    dilation_rate=1,
    data_format: str = "channels_last",
) -> torch.Tensor:
    """Keras's transposed convolution: ``x`` in ``data_format``, ``kernel`` in Keras's layout
    ``(*kernel_size, filters, in_channels)``. Output in ``data_format``, Keras's length
    (``conv_transpose_output_length``).
    """
    rank = kernel.dim() - 2
    strides = as_tuple(strides, rank)
    dilation = as_tuple(dilation_rate, rank)
    out_pads = (None,) * rank if output_padding is None else as_tuple(output_padding, rank)
    if rank == 1:  # as an image of height 1, to stay channels-last (see ``conv``)
        axis = height_axis_1d(data_format)
        y = conv_transpose(x.unsqueeze(axis), kernel.unsqueeze(0), bias, (1,) + strides,
                           padding, (0,) + out_pads if output_padding is not None else None,
                           (1,) + dilation, data_format)
        return y.squeeze(axis)
    trims = [
        conv_transpose_trim(k, s, d, padding, op)
        for k, s, d, op in zip(kernel.shape[:rank], strides, dilation, out_pads, strict=True)
    ]
    channels_last = data_format == "channels_last"
    x_cf = to_channels_first(x) if channels_last else x
    # (*k, filters, in) -> (in, filters, *k): the same axis swap as ``kernel_to_torch``, since
    # torch's transposed weight is (in, out, *k) where its convolution weight is (out, in, *k)
    weight = kernel_to_torch(kernel)
    y = _TORCH_CONV_TRANSPOSE[rank](
        x_cf, weight, bias, strides, tuple(t[0] for t in trims), tuple(t[1] for t in trims),
        1, dilation,
    )
    for axis, (_, _, drop) in enumerate(trims, start=2):
        if drop:
            y = y.narrow(axis, 0, y.shape[axis] - drop)
    return to_channels_last(y) if channels_last else y


_TORCH_CONV_TRANSPOSE = {2: F.conv_transpose2d, 3: F.conv_transpose3d}


# ---------------------------------------------------------------------- separable convolution
def depthwise_kernel_to_grouped(kernel: torch.Tensor) -> torch.Tensor:
    """Keras depthwise kernel ``(*kernel_size, in, depth_multiplier)`` -> an ordinary Keras kernel
    ``(*kernel_size, 1, in * depth_multiplier)`` for a convolution with ``in`` groups (output
    channel ``c * depth_multiplier + m`` is input channel ``c`` through multiplier ``m``)."""
    return kernel.reshape(*kernel.shape[:-2], 1, kernel.shape[-2] * kernel.shape[-1])


def depthwise_conv(
    x: torch.Tensor,
    depthwise_kernel: torch.Tensor,
    bias: torch.Tensor | None = None,
    strides=1,
    padding: str = "valid",
    dilation_rate=1,
    data_format: str = "channels_last",
) -> torch.Tensor:
    """Keras's depthwise convolution: each input channel convolved on its own with
    ``depthwise_kernel (*kernel_size, in, depth_multiplier)``, one grouped convolution; the
    bias ``(in * depth_multiplier,)`` follows the output channels ``c * depth_multiplier + m``."""
    return conv(x, depthwise_kernel_to_grouped(depthwise_kernel), bias, strides, padding,
                dilation_rate, data_format)


def separable_conv(
    x: torch.Tensor,
    depthwise_kernel: torch.Tensor,
    pointwise_kernel: torch.Tensor,
    bias: torch.Tensor | None = None,
    strides=1,
    padding: str = "valid",
    dilation_rate=1,
    data_format: str = "channels_last",
) -> torch.Tensor:
    """Keras's separable convolution: a depthwise convolution (each input channel on its own,
    ``depthwise_kernel (*kernel_size, in, depth_multiplier)``) followed by a pointwise one
    (``pointwise_kernel (1, ..., 1, in * depth_multiplier, filters)``) and the bias."""
    y = depthwise_conv(x, depthwise_kernel, None, strides, padding, dilation_rate, data_format)
    # a 1x1 convolution: oneDNN runs it twice as fast as the same product through F.linear
    # (measured on CPU, (32, 250, 64) inputs, forward and backward)
    return conv(y, pointwise_kernel, bias, 1, "valid", 1, data_format)
