"""Choosing elements: gathering by index, choosing by condition, sorting and searching, sets.

Index outputs follow Keras's torch backend: ``argsort``, ``argpartition``, ``nonzero`` and
``searchsorted`` give int32; ``unique``'s inverse and counts and ``where(condition)`` give
torch's int64.

Two ops have output sizes that depend on the values (``nonzero``, ``where`` with only a
condition, ``unique`` without ``size``): on functional-API tensors their data-dependent sizes are
``None``, as in Keras, since no shape inference can know them before the data arrive.
"""

from __future__ import annotations

import torch

from sloi.engine.dtypes import result_type
from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import axes, convert_to_tensor

__all__ = [
    "argpartition", "argsort", "isin", "nonzero", "searchsorted", "select", "sort", "take",
    "take_along_axis", "unique", "where",
]


# ---------------------------------------------------------------------------- conditions
@keras_op(class_name="Nonzero", unknown_axes=lambda i, args, kwargs: {0})
def nonzero(x):
    """Indices of the nonzero elements of ``x``: a tuple, one int32 tensor an axis."""
    x = convert_to_tensor(x)
    if x.ndim == 0:
        x = x.reshape(1)
    return tuple(torch.nonzero(x).T.to(torch.int32))




def _where_unknown(i, args, kwargs):
    """``where(condition)`` alone gives indices, as many as the data hold."""
    return {0} if len(args) < 2 and kwargs.get("x1") is None else set()


@keras_op(class_name="Where", unknown_axes=_where_unknown)
def where(condition, x1=None, x2=None):
    """Elements of ``x1`` where ``condition`` holds and of ``x2`` elsewhere (broadcast); with
    only ``condition``, the indices where it holds (a tuple, as ``nonzero``)."""
    if (x1 is None) != (x2 is None):
        raise ValueError("where: give both x1 and x2, or neither; got "
                         f"x1={'None' if x1 is None else 'a value'}, "
                         f"x2={'None' if x2 is None else 'a value'}")
    condition = convert_to_tensor(condition).to(torch.bool)
    if x1 is None:
        return torch.where(condition)
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    return torch.where(condition, x1, x2)




@keras_op
def select(condlist, choicelist, default=0):
    """For each element, the entry of the first ``choicelist`` tensor whose condition in
    ``condlist`` holds, ``default`` where none holds."""
    if not isinstance(condlist, (list, tuple)) or not isinstance(choicelist, (list, tuple)):
        raise ValueError("select: condlist and choicelist must be lists; got "
                         f"{type(condlist).__name__} and {type(choicelist).__name__}")
    if not condlist or len(condlist) != len(choicelist):
        raise ValueError(f"select: condlist ({len(condlist)}) and choicelist "
                         f"({len(choicelist)}) must be non-empty and of equal length")
    out = convert_to_tensor(default)
    # the first true condition wins: apply them last to first
    for cond, choice in reversed(list(zip(condlist, choicelist))):
        out = torch.where(convert_to_tensor(cond), convert_to_tensor(choice), out)
    return out


@keras_op(class_name="IsIn")
def isin(x1, x2, assume_unique=False, invert=False):
    """Whether each element of ``x1`` occurs in ``x2`` (bool, ``x1``'s shape); the opposite
    with ``invert``."""
    x1 = convert_to_tensor(x1)
    x2 = convert_to_tensor(x2).to(x1.device)
    if x1.dtype == torch.bool or x2.dtype == torch.bool:
        # torch.isin takes no bools: compare as the common numeric dtype
        common = result_type(x1.dtype, x2.dtype)
        common = torch.int32 if common == torch.bool else common
        x1, x2 = x1.to(common), x2.to(common)
    return torch.isin(x1, x2, assume_unique=assume_unique, invert=invert)


# ---------------------------------------------------------------------------- gathering
def _wrap_negative(indices: torch.Tensor, length: int) -> torch.Tensor:
    return torch.where(indices < 0, indices + length, indices)


@keras_op
def take(x, indices, axis=None):
    """The elements of ``x`` at ``indices`` along ``axis`` (of the flattened ``x`` when None);
    the result has ``indices``' shape in place of that axis."""
    x = convert_to_tensor(x)
    indices = convert_to_tensor(indices).to(device=x.device, dtype=torch.int64)
    if axis is None:
        x, axis = x.reshape(-1), 0
    (axis,) = axes(axis, x.ndim)
    indices = _wrap_negative(indices, x.shape[axis])
    out = torch.index_select(x, axis, indices.reshape(-1))
    return out.reshape(x.shape[:axis] + indices.shape + x.shape[axis + 1:])


@keras_op
def take_along_axis(x, indices, axis=None):
    """The elements of ``x`` at ``indices`` along ``axis``, ``indices`` broadcast against
    ``x`` elsewhere (both flattened when None)."""
    x = convert_to_tensor(x)
    indices = convert_to_tensor(indices).to(device=x.device, dtype=torch.int64)
    length = x.numel() if axis is None else x.shape[axis]
    return torch.take_along_dim(x, _wrap_negative(indices, length), dim=axis)


# ---------------------------------------------------------------------------- sorting
@keras_op
def sort(x, axis=-1):
    """``x`` sorted in ascending order along ``axis`` (flattened when None)."""
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.sort(x, dim=axis).values


@keras_op
def argsort(x, axis=-1):
    """The int32 indices that sort ``x`` along ``axis`` (stable; flattened when None)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)  # torch sorts no bools
    if axis is None:
        x, axis = x.reshape(-1), 0
    return torch.argsort(x, dim=axis, stable=True).to(torch.int32)


@keras_op
def argpartition(x, kth, axis=-1):
    """int32 indices that partition ``x`` along ``axis``: the ``kth`` element in its sorted
    place, smaller ones before it and larger ones after (here: a full stable sort, one valid
    partition)."""
    if not isinstance(kth, int):
        raise ValueError(f"argpartition: kth must be an int; got {kth!r}")
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    if not -x.shape[axis] <= kth < x.shape[axis]:
        raise ValueError(f"argpartition: kth={kth} is out of bounds for axis {axis} of size "
                         f"{x.shape[axis]}")
    return argsort(x, axis=axis)


@keras_op(class_name="SearchSorted")
def searchsorted(sorted_sequence, values, side="left"):
    """Where each of ``values`` would be inserted into the 1-D ``sorted_sequence`` to keep it
    sorted (int32; the first such place for ``"left"``, the last for ``"right"``)."""
    sorted_sequence = convert_to_tensor(sorted_sequence)
    values = convert_to_tensor(values).to(sorted_sequence.device)
    if sorted_sequence.ndim != 1:
        raise ValueError("searchsorted: sorted_sequence must be 1-D; got shape "
                         f"{tuple(sorted_sequence.shape)}")
    if side not in ("left", "right"):
        raise ValueError(f'searchsorted: side must be "left" or "right"; got {side!r}')
    common = torch.promote_types(sorted_sequence.dtype, values.dtype)
    out_int32 = sorted_sequence.shape[0] <= 2**31 - 1
    return torch.searchsorted(sorted_sequence.to(common), values.to(common), side=side,
                              out_int32=out_int32)


# ---------------------------------------------------------------------------- sets
def _unique_unknown(i, args, kwargs):
    """Which axes of ``unique``'s output ``i`` only the data decide."""
    names = ("x", "sorted", "return_index", "return_inverse", "return_counts", "axis", "size")
    given = dict(zip(names, args), **kwargs)
    if given.get("size") is not None:
        return set()
    kinds = ["values"] + [k for k in ("index", "inverse", "counts")
                          if given.get(f"return_{k}")]
    if kinds[i] == "inverse":
        return set()
    axis = given.get("axis")
    if kinds[i] == "values" and axis is not None:
        return {axis % len(given["x"].shape)}
    return {0}


@keras_op(class_name="Unique", unknown_axes=_unique_unknown)
def unique(x, sorted=True, return_index=False, return_inverse=False,  # noqa: A002
            return_counts=False, axis=None, size=None, fill_value=None):
    """The unique elements of ``x`` (sorted; slices along ``axis`` when given); optionally
    the index of each one's first occurrence, the inverse map and the counts. ``size`` pads
    (with ``fill_value``, default 0) or truncates to a fixed length."""
    x = convert_to_tensor(x)
    values, inverse, counts = torch.unique(x, sorted=True, return_inverse=True,
                                           return_counts=True, dim=axis)
    dim = 0 if axis is None else axes(axis, x.ndim)[0]
    first = None
    if return_index:
        positions = torch.arange(inverse.numel(), dtype=inverse.dtype, device=x.device)
        first = torch.full((values.shape[dim],), inverse.numel(), dtype=inverse.dtype,
                           device=x.device).scatter_reduce(0, inverse.reshape(-1), positions,
                                                           reduce="amin")
    if size is not None:
        values = _fit(values, dim, size, 0 if fill_value is None else fill_value)
        counts = _fit(counts, 0, size, 0)
        if first is not None:
            first = _fit(first, 0, size, 1)
    outputs = [values]
    if return_index:
        outputs.append(first)
    if return_inverse:
        outputs.append(inverse)
    if return_counts:
        outputs.append(counts)
    return outputs[0] if len(outputs) == 1 else tuple(outputs)


def _fit(t: torch.Tensor, dim: int, size: int, fill) -> torch.Tensor:
    """``t`` cut or padded (with ``fill``) to ``size`` along ``dim``."""
    length = t.shape[dim]
    if length >= size:
        return t.narrow(dim, 0, size)
    pad_shape = list(t.shape)
    pad_shape[dim] = size - length
    return torch.cat([t, torch.full(pad_shape, fill, dtype=t.dtype, device=t.device)], dim)


