"""Changing a tensor's shape and arrangement without changing its values: reshaping, joining,
splitting, flipping, padding, repeating.

The ops keep their input's dtype; joining ops (``concatenate``, ``stack``, ...) let torch
promote mixed dtypes, as Keras's torch backend does.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from sloi.engine.dtypes import result_type
from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import axes as canonical_axes
from sloi.ops.op_inputs import convert_to_tensor, standardize_dtype

__all__ = [
    "append", "array_split", "broadcast_to", "concatenate", "dsplit", "dstack", "expand_dims",
    "flip", "fliplr", "flipud", "hsplit", "hstack", "moveaxis", "ndim", "pad", "ravel",
    "repeat", "reshape", "roll", "rot90", "size", "split", "squeeze", "stack", "swapaxes",
    "tile", "transpose", "unravel_index", "view", "vsplit", "vstack",
]


def _tensors(xs) -> list:
    return [convert_to_tensor(x) for x in xs]


def _int_list(value):
    """An int, or a sequence / tensor of ints as a Python list."""
    if isinstance(value, int):
        return value
    if isinstance(value, torch.Tensor):
        return value.tolist()
    return [int(v) for v in value]


# ---------------------------------------------------------------------------- shape
@keras_op
def reshape(x, newshape):
    """``x``'s values in shape ``newshape`` (one ``-1`` size is inferred)."""
    if isinstance(newshape, torch.Tensor):
        newshape = newshape.tolist()
    newshape = (newshape,) if isinstance(newshape, int) else tuple(
        -1 if d is None else int(d) for d in newshape)
    if sum(d == -1 for d in newshape) > 1:
        raise ValueError(f"reshape: at most one size of newshape can be -1; got {newshape}")
    return torch.reshape(convert_to_tensor(x), newshape)


@keras_op
def ravel(x):
    """``x`` flattened to one axis (row-major)."""
    return torch.ravel(convert_to_tensor(x))


@keras_op
def expand_dims(x, axis):
    """``x`` with size-1 axes inserted at the positions ``axis`` (an int or a tuple) of the
    result."""
    x = convert_to_tensor(x)
    positions = canonical_axes(axis, x.ndim + (1 if isinstance(axis, int) else len(axis)))
    for a in sorted(positions):
        x = torch.unsqueeze(x, a)
    return x


@keras_op
def squeeze(x, axis=None):
    """``x`` without size-1 axes (only those in ``axis`` when given; each must have size
    1)."""
    x = convert_to_tensor(x)
    if axis is None:
        return torch.squeeze(x)
    chosen = canonical_axes(axis, x.ndim)
    for a in chosen:
        if x.shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of a tensor of shape {tuple(x.shape)} has "
                             f"size {x.shape[a]}, not 1")
    return torch.squeeze(x, dim=chosen)


@keras_op
def broadcast_to(x, shape):
    """``x`` broadcast to ``shape`` (numpy's rules)."""
    return torch.broadcast_to(convert_to_tensor(x), tuple(shape))


@keras_op
def transpose(x, axes=None):
    """``x`` with its axes permuted by ``axes`` (reversed when None)."""
    x = convert_to_tensor(x)
    order = tuple(reversed(range(x.ndim))) if axes is None else tuple(axes)
    return torch.permute(x, order)


@keras_op
def swapaxes(x, axis1, axis2):
    """``x`` with axes ``axis1`` and ``axis2`` exchanged."""
    return torch.swapaxes(convert_to_tensor(x), axis1, axis2)


@keras_op
def moveaxis(x, source, destination):
    """``x`` with the axes ``source`` moved to the positions ``destination``."""
    return torch.moveaxis(convert_to_tensor(x), source, destination)


def ndim(x) -> int:
    """The number of axes of ``x``, a Python int (known while building a model, too)."""
    shape = getattr(x, "shape", None)
    return len(shape) if shape is not None else convert_to_tensor(x).ndim


@keras_op
def size(x):
    """The number of elements of ``x``, as a 0-d int64 tensor."""
    x = convert_to_tensor(x)
    return torch.tensor(math.prod(x.shape), dtype=torch.int64, device=x.device)


@keras_op
def view(x, dtype=None):
    """``x``'s memory read as ``dtype`` (the last axis rescales when the item sizes
    differ)."""
    x = convert_to_tensor(x)
    return x.view(standardize_dtype(dtype))


@keras_op
def unravel_index(indices, shape):
    """The coordinates in an array of ``shape`` of the flat ``indices``: a tuple, one tensor a
    dimension."""
    indices = convert_to_tensor(indices)
    dtype = result_type(indices.dtype)
    return tuple(c.to(dtype) for c in torch.unravel_index(indices, tuple(shape)))


# ---------------------------------------------------------------------------- joining
@keras_op
def concatenate(xs, axis=0):
    """The tensors ``xs`` joined along the existing axis ``axis``."""
    return torch.cat(_tensors(xs), dim=axis)


@keras_op
def stack(x, axis=0):
    """The tensors ``x`` (same shape) joined along a new axis ``axis``."""
    return torch.stack(_tensors(x), dim=axis)


@keras_op
def hstack(xs):
    """The tensors joined column-wise (along axis 1; axis 0 for 1-D tensors)."""
    return torch.hstack(_tensors(xs))


@keras_op
def vstack(xs):
    """The tensors joined row-wise (along axis 0, 1-D tensors as rows)."""
    return torch.vstack(_tensors(xs))


@keras_op
def dstack(xs):
    """The tensors joined depth-wise (along axis 2, after making each at least 3-D)."""
    return torch.dstack(_tensors(xs))


@keras_op
def append(x1, x2, axis=None):
    """``x2`` appended to ``x1`` along ``axis`` (both flattened when None)."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if axis is None:
        return torch.cat((x1.reshape(-1), x2.reshape(-1)))
    return torch.cat((x1, x2), dim=axis)


# ---------------------------------------------------------------------------- splitting
@keras_op
def split(x, indices_or_sections, axis=0):
    """``x`` cut along ``axis`` into equal sections (an int that must divide the axis) or at
    the given indices; a list of tensors."""
    x = convert_to_tensor(x)
    sections = _int_list(indices_or_sections)
    length = x.shape[axis]
    if isinstance(sections, int) and length % sections != 0:
        raise ValueError(
            f"split: indices_or_sections={sections} does not divide axis {axis} of size "
            f"{length} (input shape {tuple(x.shape)}); use array_split for unequal sections")
    return list(torch.tensor_split(x, sections, dim=axis))


@keras_op
def array_split(x, indices_or_sections, axis=0):
    """``x`` cut along ``axis`` into ``indices_or_sections`` nearly equal sections (the first
    ones one longer) or at the given indices."""
    return list(torch.tensor_split(convert_to_tensor(x), _int_list(indices_or_sections),
                                   dim=axis))


@keras_op
def hsplit(x, indices_or_sections):
    """``split`` along axis 1 (axis 0 for 1-D ``x``)."""
    return list(torch.hsplit(convert_to_tensor(x), _int_list(indices_or_sections)))


@keras_op
def vsplit(x, indices_or_sections):
    """``split`` along axis 0."""
    return list(torch.vsplit(convert_to_tensor(x), _int_list(indices_or_sections)))


@keras_op
def dsplit(x, indices_or_sections):
    """``split`` along axis 2."""
    return list(torch.dsplit(convert_to_tensor(x), _int_list(indices_or_sections)))


# ---------------------------------------------------------------------------- rearranging
@keras_op
def flip(x, axis=None):
    """``x`` with the order of elements reversed along ``axis`` (all axes when None)."""
    x = convert_to_tensor(x)
    dims = tuple(range(x.ndim)) if axis is None else canonical_axes(axis, x.ndim)
    return torch.flip(x, dims)


@keras_op
def fliplr(x):
    """``x`` flipped left-right (along axis 1)."""
    return torch.fliplr(convert_to_tensor(x))


@keras_op
def flipud(x):
    """``x`` flipped up-down (along axis 0)."""
    return torch.flipud(convert_to_tensor(x))


@keras_op
def roll(x, shift, axis=None):
    """``x``'s elements shifted by ``shift`` along ``axis`` (over the flattened tensor when
    None), those pushed off the end coming back at the start."""
    x = convert_to_tensor(x)
    if axis is None:
        return torch.roll(x, shift)
    return torch.roll(x, shift, dims=axis)


@keras_op
def rot90(array, k=1, axes=(0, 1)):
    """``array`` rotated by 90 degrees ``k`` times in the plane of ``axes`` (from the first
    axis toward the second)."""
    array = convert_to_tensor(array)
    if array.ndim < 2:
        raise ValueError(f"rot90 needs at least 2 dimensions; got shape {tuple(array.shape)}")
    if len(axes) != 2 or axes[0] % array.ndim == axes[1] % array.ndim:
        raise ValueError(f"rot90: axes must be two different axes; got {axes}")
    return torch.rot90(array, k=k, dims=[a % array.ndim for a in axes])


# ---------------------------------------------------------------------------- repeating
@keras_op
def repeat(x, repeats, axis=None):
    """Each element of ``x`` repeated ``repeats`` times along ``axis`` (over the flattened
    tensor when None); ``repeats`` may give one count per element."""
    x = convert_to_tensor(x)
    if isinstance(repeats, torch.Tensor) and repeats.ndim == 0:
        repeats = int(repeats)
    if isinstance(repeats, int):
        return torch.repeat_interleave(x, repeats, dim=axis)
    repeats = convert_to_tensor(repeats).to(dtype=torch.int64)
    # the output's length, known from the counts, lets shape inference run on meta tensors
    size = None if repeats.is_meta else int(repeats.sum()) if repeats.numel() > 1 else None
    return torch.repeat_interleave(x, repeats.to(x.device), dim=axis, output_size=size)


@keras_op
def tile(x, repeats):
    """``x`` repeated ``repeats`` times (one count per axis, aligned from the last)."""
    if isinstance(repeats, torch.Tensor):
        repeats = repeats.tolist()
    repeats = (repeats,) if isinstance(repeats, int) else tuple(int(r) for r in repeats)
    return torch.tile(convert_to_tensor(x), repeats)


_PAD_MODES = ("constant", "reflect", "symmetric", "edge", "wrap")


@keras_op
def pad(x, pad_width, mode="constant", constant_values=None):
    """``x`` padded by ``pad_width`` (``((before, after), ...)`` a dimension, or one pair /
    one number for all) with ``constant_values``, or by ``"reflect"``, ``"symmetric"``,
    ``"edge"`` or ``"wrap"``."""
    if mode not in _PAD_MODES:
        raise ValueError(f"pad: mode must be one of {_PAD_MODES}; got {mode!r} (numpy's "
                         "statistical and ramp modes are not supported)")
    if constant_values is not None and mode != "constant":
        raise ValueError(f'pad: constant_values needs mode="constant"; got mode={mode!r}')
    x = convert_to_tensor(x)
    widths = _pad_widths(pad_width, x.ndim)
    if mode == "constant":
        flat = [w for pair in reversed(widths) for w in pair]
        return F.pad(x, flat, value=0 if constant_values is None else constant_values)
    # torch pads non-constant modes on trailing axes only: pad one axis at a time, through
    # the index arithmetic each mode means
    for axis, (before, after) in enumerate(widths):
        if before or after:
            index = _pad_index(x.shape[axis], before, after, mode).to(x.device)
            x = torch.index_select(x, axis, index)
    return x


def _pad_widths(pad_width, ndim: int) -> list:
    if isinstance(pad_width, torch.Tensor):
        pad_width = pad_width.tolist()
    if isinstance(pad_width, int):
        return [(pad_width, pad_width)] * ndim
    pad_width = [list(p) if isinstance(p, (list, tuple)) else [p] for p in pad_width]
    if len(pad_width) == 1:
        pad_width = pad_width * ndim
    if len(pad_width) != ndim:
        raise ValueError(f"pad: pad_width {pad_width} does not fit a tensor of rank {ndim}")
    return [(int(p[0]), int(p[-1])) for p in pad_width]


def _pad_index(length: int, before: int, after: int, mode: str) -> torch.Tensor:
    """Source positions of each output position along one padded axis."""
    i = torch.arange(-before, length + after)
    if mode == "edge":
        return i.clamp(0, length - 1)
    if mode == "wrap":
        return i % length
    if mode == "reflect":  # mirror without repeating the edge: period 2 * (length - 1)
        period = max(2 * (length - 1), 1)
        i = i % period
        return torch.where(i >= length, period - i, i)
    period = 2 * length  # symmetric: mirror repeating the edge
    i = i % period
    return torch.where(i >= length, period - 1 - i, i)
