"""``sloi.ops.core``: Keras 3's core ops on torch tensors: conversion and casting, slicing and
scattering, gradients, and control flow.

Control flow (``cond``, ``switch``, ``scan``, ``map``, ``while_loop``, ``fori_loop``,
``associative_scan``, ``vectorized_map``) runs eagerly in Python over torch calls, as Keras's
torch backend runs it: a loop is a Python loop, a branch is a Python ``if``, so any function
of tensors may be used and autograd sees every step. ``shape``, ``dtype``, ``is_tensor`` and
``convert_to_numpy`` answer questions rather than compute tensors: they are plain functions,
not graph steps (``shape`` of a functional-API tensor is its static shape, ``None`` where
unknown, as in Keras).
"""

from __future__ import annotations

import builtins

import numpy as np
import torch

from sloi.engine import operators, tree
from sloi.engine.operation import keras_op
from sloi.engine.symbolic import SymbolicTensor
from sloi.ops.op_inputs import convert_to_tensor as _to_tensor
from sloi.ops.op_inputs import dtype_name, standardize_dtype

__all__ = [
    "associative_scan", "cast", "cond", "convert_to_numpy", "convert_to_tensor",
    "custom_gradient", "dtype", "fori_loop", "is_tensor", "map", "saturate_cast", "scan",
    "scatter", "scatter_update", "shape", "slice", "slice_update", "stop_gradient", "switch",
    "unstack", "vectorized_map", "while_loop",
]


# ---------------------------------------------------------------------------- conversion
@keras_op(module="core")
def convert_to_tensor(x, dtype=None, sparse=None, ragged=None):
    """``x`` (tensor, numpy array, Python number or nested list) as a ``torch.Tensor`` of
    ``dtype`` when given, else with Keras's dtypes for Python values."""
    if sparse:
        raise ValueError("convert_to_tensor: sparse=True is not supported: torch tensors "
                         "in sloi are dense")
    if ragged:
        raise ValueError("convert_to_tensor: ragged=True is not supported: torch has no "
                         "ragged tensors")
    return operators.convert_to_tensor(x, dtype)


def convert_to_numpy(x):
    """``x`` as a numpy array (detached, on the CPU; a list of tensors becomes one array)."""
    def one(value):
        if isinstance(value, torch.Tensor):
            value = value.detach().cpu()
            if value.dtype == torch.bfloat16:
                value = value.to(torch.float32)  # numpy has no bfloat16
            return value.numpy()
        return np.asarray(value)

    if isinstance(x, (list, tuple)):
        return np.array([one(v) for v in x])
    return one(x)


def is_tensor(x) -> bool:
    """Whether ``x`` is a ``torch.Tensor`` (a functional-API tensor is not: it has no
    value)."""
    return isinstance(x, torch.Tensor)


def shape(x) -> tuple:
    """``x``'s shape as a tuple of ints (``None`` for sizes a functional-API tensor does not
    know yet)."""
    if isinstance(x, (torch.Tensor, SymbolicTensor)):
        return tuple(x.shape)
    return tuple(_to_tensor(x).shape)


def dtype(x) -> str:
    """``x``'s dtype as Keras names it (``"float32"``)."""
    value = getattr(x, "dtype", None)
    if value is None:
        value = _to_tensor(x).dtype
    return dtype_name(standardize_dtype(value))


@keras_op(module="core")
def cast(x, dtype):  # noqa: F811 - Keras's argument name
    """``x`` converted to ``dtype`` (floats to ints truncate toward zero)."""
    return _to_tensor(x).to(standardize_dtype(dtype))


def _limits(dt: torch.dtype):
    if dt == torch.bool:
        return 0, 1
    info = torch.finfo(dt) if dt.is_floating_point else torch.iinfo(dt)
    return info.min, info.max


@keras_op(module="core")
def saturate_cast(x, dtype):  # noqa: F811 - Keras's argument name
    """``x`` cast to ``dtype`` with values first clipped to the range ``dtype`` can hold (no
    wrap-around: 300 as uint8 is 255)."""
    x = _to_tensor(x)
    target = standardize_dtype(dtype)
    (in_min, in_max), (out_min, out_max) = _limits(x.dtype), _limits(target)
    # the limits, written in x's dtype, may round past the target's range (2**31 - 1 as
    # float32 is 2**31): step them back toward zero so the cast stays defined
    low = torch.tensor(builtins.max(in_min, out_min), dtype=torch.float64).to(x.dtype)
    high = torch.tensor(builtins.min(in_max, out_max), dtype=torch.float64).to(x.dtype)
    if x.is_floating_point():
        if low.double() < out_min:
            low = torch.nextafter(low, torch.zeros_like(low))
        if high.double() > out_max:
            high = torch.nextafter(high, torch.zeros_like(high))
    if x.dtype == torch.bool:
        return x.to(target)
    # Python numbers clamp a tensor on any device
    return torch.clamp(x, low.item(), high.item()).to(target)


@keras_op(module="core")
def stop_gradient(variable):
    """``variable``'s value, cut from the autograd graph (no gradient flows back)."""
    return _to_tensor(variable).detach()


def custom_gradient(f):
    """Decorate ``f``, which returns ``(output, grad_fn)``, so that backpropagation through
    it calls ``grad_fn(*inputs, upstream=output_gradient)`` (Keras's torch convention)
    instead of differentiating ``f``. ``grad_fn`` returns one gradient an input."""
    def wrapper(*args):
        return _CustomGradient.apply(f, *args)

    wrapper.__name__ = getattr(f, "__name__", "custom_gradient")
    wrapper.__doc__ = getattr(f, "__doc__", None)
    return wrapper


class _CustomGradient(torch.autograd.Function):
    @staticmethod
    def forward(ctx, f, *args):
        with torch.enable_grad():
            output, ctx.grad_fn = f(*args)
        ctx.save_for_backward(*[a for a in args if isinstance(a, torch.Tensor)])
        ctx.n_inputs = len(args)
        return output.detach() if isinstance(output, torch.Tensor) else output

    @staticmethod
    def backward(ctx, upstream):
        grads = ctx.grad_fn(*ctx.saved_tensors, upstream=upstream)
        grads = tuple(grads) if isinstance(grads, (tuple, list)) else (grads,)
        if len(grads) != ctx.n_inputs:
            raise ValueError(f"custom_gradient: grad_fn returned {len(grads)} gradients for "
                             f"{ctx.n_inputs} inputs")
        return (None, *grads)


# ---------------------------------------------------------------------------- slicing
def _ints(values) -> list:
    if isinstance(values, torch.Tensor):
        return [int(v) for v in values.reshape(-1).tolist()]
    return [int(v) for v in values]


@keras_op(module="core")
def slice(inputs, start_indices, shape):  # noqa: A001, F811 - Keras's names
    """The block of ``inputs`` of size ``shape`` starting at ``start_indices``."""
    inputs = _to_tensor(inputs)
    starts, sizes = _ints(start_indices), _ints(shape)
    if len(starts) != inputs.ndim or len(sizes) != inputs.ndim:
        raise ValueError(f"slice: start_indices {starts} and shape {sizes} need one entry per "
                         f"axis of the input of shape {tuple(inputs.shape)}")
    for axis, (start, size) in enumerate(zip(starts, sizes)):
        inputs = inputs.narrow(axis, start, size)
    return inputs


@keras_op(module="core")
def slice_update(inputs, start_indices, updates):
    """``inputs`` with the block starting at ``start_indices`` replaced by ``updates`` (a new
    tensor; ``inputs`` is unchanged)."""
    inputs, updates = _to_tensor(inputs), _to_tensor(updates)
    starts = _ints(start_indices)
    if len(starts) != inputs.ndim or updates.ndim != inputs.ndim:
        raise ValueError(f"slice_update: start_indices {starts} and updates of shape "
                         f"{tuple(updates.shape)} need one entry per axis of the input of "
                         f"shape {tuple(inputs.shape)}")
    outputs = inputs.clone()
    block = tuple(builtins.slice(s, s + n) for s, n in zip(starts, updates.shape))
    outputs[block] = updates.to(inputs.dtype)
    return outputs


@keras_op(module="core")
def scatter(indices, values, shape):  # noqa: F811 - Keras's argument name
    """A zero tensor of ``shape`` with ``values`` added at ``indices`` (each row of
    ``indices`` one position or slice; repeated positions sum)."""
    values = _to_tensor(values)
    indices = _to_tensor(indices).to(device=values.device, dtype=torch.int64)
    shape = tuple(_ints(shape))
    depth = indices.shape[-1]
    indices = indices.reshape(-1, depth)
    values = values.reshape((-1,) + shape[depth:])
    out = torch.zeros(shape, dtype=values.dtype, device=values.device)
    return out.index_put_(tuple(indices.T), values, accumulate=True)


_REDUCTIONS = {"max": "amax", "min": "amin", "mul": "prod"}


@keras_op(module="core")
def scatter_update(inputs, indices, updates, reduction=None):
    """``inputs`` with ``updates`` written at ``indices`` (each row one position or slice):
    replacing them, or combined by ``reduction`` (``"add"``, ``"max"``, ``"min"``,
    ``"mul"``)."""
    inputs = _to_tensor(inputs)
    indices = _to_tensor(indices).to(device=inputs.device, dtype=torch.int64)
    updates = _to_tensor(updates).to(device=inputs.device, dtype=inputs.dtype)
    outputs = inputs.clone()
    if reduction is None:
        outputs[tuple(indices.T)] = updates
        return outputs
    if reduction == "add":
        return outputs.index_put_(tuple(indices.T), updates, accumulate=True)
    if reduction not in _REDUCTIONS:
        raise ValueError(f"scatter_update: reduction must be None, 'add', 'max', 'min' or "
                         f"'mul'; got {reduction!r}")
    # positions (or slices) as rows of a 2-D view: one scatter_reduce over the rows
    depth = indices.shape[-1]
    lead = inputs.shape[:depth]
    rows = outputs.reshape(int(np.prod(lead)), -1)
    flat_index = torch.zeros(indices.shape[0], dtype=torch.int64, device=indices.device)
    for axis in range(depth):
        flat_index = flat_index * lead[axis] + indices[:, axis]
    values = updates.reshape(indices.shape[0], -1)
    rows = rows.scatter_reduce(0, flat_index[:, None].expand_as(values), values,
                               reduce=_REDUCTIONS[reduction], include_self=True)
    return rows.reshape(inputs.shape)


def _unstack(x, num=None, axis=0):
    """``x`` cut into the list of its slices along ``axis``."""
    x = _to_tensor(x)
    if num is not None and num != x.shape[axis]:
        raise ValueError(f"unstack: num={num} does not match axis {axis} of size "
                         f"{x.shape[axis]} (input shape {tuple(x.shape)})")
    return list(x.unbind(axis))


_unstack_op = keras_op(_unstack, class_name="Unstack", module="core")


def unstack(x, num=None, axis=0):
    """``x`` cut into the list of its slices along ``axis`` (``num`` of them)."""
    if isinstance(x, SymbolicTensor) and x.shape[axis] is None:
        # how many outputs there are is part of the graph: it cannot wait for the data
        raise ValueError(f"unstack: cannot cut axis {axis} of {x!r}, whose size is unknown, "
                         "into a fixed number of tensors")
    return _unstack_op(x, num=num, axis=axis)


# ---------------------------------------------------------------------------- control flow
@keras_op(module="core")
def cond(pred, true_fn, false_fn):
    """``true_fn()`` if ``pred`` holds, else ``false_fn()``."""
    return true_fn() if bool(pred) else false_fn()


@keras_op(module="core")
def switch(index, branches, *operands):
    """``branches[index](*operands)``, ``index`` clipped to the branches there are."""
    i = builtins.min(builtins.max(int(index), 0), len(branches) - 1)
    return branches[i](*operands)


@keras_op(module="core")
def while_loop(cond, body, loop_vars, maximum_iterations=None):  # noqa: F811
    """Repeat ``loop_vars = body(*loop_vars)`` while ``cond(*loop_vars)`` holds (at most
    ``maximum_iterations`` times); returns the final ``loop_vars``."""
    is_sequence = isinstance(loop_vars, (tuple, list))
    values = tuple(loop_vars) if is_sequence else (loop_vars,)
    values = tree.map_structure(_to_tensor, values)
    steps = 0
    while (maximum_iterations is None or steps < maximum_iterations) and bool(cond(*values)):
        values = body(*values)
        values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
        steps += 1
    return values if is_sequence else values[0]


@keras_op(module="core")
def fori_loop(lower, upper, body_fun, init_val):
    """``init_val`` updated by ``val = body_fun(i, val)`` for ``i`` from ``lower`` to
    ``upper - 1``."""
    val = init_val
    for i in range(int(lower), int(upper)):
        val = body_fun(i, val)
    return val


@keras_op(module="core")
def scan(f, init, xs=None, length=None, reverse=False, unroll=1):
    """Carry a state through ``f(carry, x) -> (carry, y)`` over the leading axis of ``xs``
    (``length`` steps when ``xs`` is None); returns the final carry and the stacked ``y``."""
    if not callable(f):
        raise TypeError(f"scan: f must be callable; got {f!r}")
    if not isinstance(unroll, bool) and (not isinstance(unroll, int) or unroll < 1):
        raise ValueError(f"scan: unroll must be a positive int or a bool; got {unroll!r}")
    if xs is None and length is None:
        raise ValueError("scan: give xs to scan over, or length")
    xs_flat = [] if xs is None else [_to_tensor(x) for x in tree.flatten(xs)]
    n = int(length) if length is not None else xs_flat[0].shape[0]
    if any(x.shape[0] != n for x in xs_flat):
        raise ValueError(f"scan: every xs needs leading axis {n}; got "
                         f"{[tuple(x.shape) for x in xs_flat]}")
    carry = tree.map_structure(_to_tensor, init)
    ys = []
    steps = range(n - 1, -1, -1) if reverse else range(n)
    for i in steps:
        x = None if xs is None else tree.pack_like(xs, [t[i] for t in xs_flat])
        carry, y = f(carry, x)
        ys.append(y)
    if reverse:
        ys.reverse()
    if not ys or ys[0] is None:
        # Keras stacks zeros like the carry when f gives no y
        zeros = [torch.zeros_like(t) for t in tree.flatten(carry)]
        return carry, [torch.stack([z] * n) for z in zeros] if n else None
    stacked = [torch.stack(parts) for parts in zip(*[tree.flatten(y) for y in ys])]
    return carry, tree.pack_like(ys[0], stacked)


@keras_op(module="core")
def map(f, xs):  # noqa: A001 - Keras's name
    """``f`` applied to each slice of ``xs`` along its leading axis, the results stacked."""
    xs_flat = [_to_tensor(x) for x in tree.flatten(xs)]
    n = xs_flat[0].shape[0]
    ys = [f(tree.pack_like(xs, [t[i] for t in xs_flat])) for i in range(n)]
    stacked = [torch.stack(parts) for parts in zip(*[tree.flatten(y) for y in ys])]
    return tree.pack_like(ys[0], stacked)


@keras_op(module="core")
def vectorized_map(function, elements):
    """``function`` mapped over the leading axis of ``elements`` in one vectorized call
    (``torch.vmap``)."""
    return torch.vmap(function)(tree.map_structure(_to_tensor, elements))


def _take_along(x: torch.Tensor, start, stop, step, axis: int) -> torch.Tensor:
    index = [builtins.slice(None)] * x.ndim
    index[axis] = builtins.slice(start, stop, step)
    return x[tuple(index)]


def _interleave(even: torch.Tensor, odd: torch.Tensor, axis: int) -> torch.Tensor:
    """``even[0], odd[0], even[1], odd[1], ...`` along ``axis`` (``even`` may be one
    longer)."""
    n_even = even.shape[axis]
    if n_even > odd.shape[axis]:
        pad_shape = list(odd.shape)
        pad_shape[axis] = 1
        odd = torch.cat([odd, odd.new_zeros(pad_shape)], axis)
    both = torch.stack([even, odd], axis + 1)
    shape = list(even.shape)
    shape[axis] = 2 * n_even
    return both.reshape(shape)


@keras_op(module="core")
def associative_scan(f, elems, reverse=False, axis=0):
    """The inclusive prefix combination ``out[i] = f(out[i-1], elems[i])`` of an associative
    ``f`` along ``axis``, in O(log n) batched calls of ``f`` (the parallel scan)."""
    if not callable(f):
        raise TypeError(f"associative_scan: f must be callable; got {f!r}")
    flat = [_to_tensor(e) for e in tree.flatten(elems)]
    n = flat[0].shape[axis]
    if any(e.shape[axis] != n for e in flat):
        raise ValueError("associative_scan: every elems needs the same size along axis "
                         f"{axis}; got {[tuple(e.shape) for e in flat]}")
    if reverse:
        flat = [torch.flip(e, (axis,)) for e in flat]

    def combine(a, b):
        return tree.flatten(f(tree.pack_like(elems, a), tree.pack_like(elems, b)))

    def prefix(parts):
        length = parts[0].shape[axis]
        if length < 2:
            return parts
        # combine neighbours pairwise, scan the half as long sequence: its prefixes are
        # the odd positions; the even ones need one more combination each
        pairs = combine([_take_along(p, 0, -1, 2, axis) for p in parts],
                        [_take_along(p, 1, None, 2, axis) for p in parts])
        odd = prefix(pairs)
        stop = -1 if length % 2 == 0 else None
        even = combine([_take_along(o, 0, stop, None, axis) for o in odd],
                       [_take_along(p, 2, None, 2, axis) for p in parts])
        even = [torch.cat([_take_along(p, 0, 1, None, axis), e], axis)
                for p, e in zip(parts, even)]
        return [_take_along(_interleave(e, o, axis), 0, length, None, axis)
                for e, o in zip(even, odd)]

    out = prefix(flat)
    if reverse:
        out = [torch.flip(e, (axis,)) for e in out]
    return tree.pack_like(elems, out)
