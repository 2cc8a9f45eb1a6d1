"""Output specs of a layer call on symbolic tensors.

A layer that defines ``compute_output_shape`` is asked directly. Any other layer (a ``Lambda``,
a user's layer, a nested model) is run for real on the ``meta`` device: shapes and dtypes
propagate, no memory is touched and no arithmetic is done. Tensors the call makes itself
(``ops.arange(ops.shape(x)[1])`` for positions) are made on the meta device too, as Keras's
torch backend makes them, so that no value check (an Embedding's id range) trips over a
stand-in size; weights built during the run are still real (``real_device_scope``). Sizes
unknown until run time (``None``) are tried with two different stand-ins; an output size that
follows the stand-in is unknown too.
"""

from __future__ import annotations

import contextlib
import threading

import numpy as np
import torch
from torch.func import functional_call

from sloi.engine import tree
from sloi.engine.dtypes import STRING
from sloi.engine.symbolic import SymbolicTensor
from sloi.engine.variable import carry_variable_api

_STAND_INS = (83, 89)
_outer_devices = threading.local()  # .stack: the default device outside each meta run


@contextlib.contextmanager
def _meta_run():
    stack = _outer_devices.__dict__.setdefault("stack", [])
    stack.append(torch.get_default_device())
    try:
        with torch.device("meta"):
            yield
    finally:
        stack.pop()


def real_device_scope():
    """Inside a meta-device run, a scope that makes tensors on the device in use outside it
    (a layer built during the run gets real weights); elsewhere a scope that changes nothing."""
    stack = _outer_devices.__dict__.get("stack")
    return torch.device(stack[-1]) if stack else contextlib.nullcontext()


def infer_output_spec(layer, args, kwargs, shape_rule: bool):
    """Symbolic outputs (without history) of ``layer(*args, **kwargs)``; ``shape_rule`` says
    whether the layer's class defines its own ``compute_output_shape``."""
    if not shape_rule:
        return _run_on_meta(layer, args, kwargs)
    first = args[0]
    try:
        shapes = layer.compute_output_shape(tree.map_structure(lambda x: x.shape, first))
    except NotImplementedError:  # the layer cannot tell (a Lambda without output_shape)
        return _run_on_meta(layer, args, kwargs)
    dtype = layer.compute_output_dtype(tree.flatten(first)[0].dtype)
    return _shapes_to_symbolic(shapes, dtype)


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def _shapes_to_symbolic(shapes, dtype):
    if _is_shape(shapes):
        return SymbolicTensor(shapes, dtype)
    if isinstance(shapes, dict):
        return {k: _shapes_to_symbolic(v, dtype) for k, v in shapes.items()}
    return type(shapes)(_shapes_to_symbolic(s, dtype) for s in shapes)


def _run_on_meta(layer, args, kwargs):
    has_unknown = any(
        None in x.shape for x in tree.flatten((args, kwargs)) if isinstance(x, SymbolicTensor)
    )
    first = _run(layer, args, kwargs, _STAND_INS[0])
    if not has_unknown:
        return tree.map_structure(lambda t: SymbolicTensor(tuple(t.shape), t.dtype), first)
    second = _run(layer, args, kwargs, _STAND_INS[1])
    flat = [
        SymbolicTensor(
            tuple(a if a == b else None for a, b in zip(t1.shape, t2.shape)), t1.dtype
        )
        for t1, t2 in zip(tree.flatten(first), tree.flatten(second))
    ]
    return tree.pack_like(first, flat)


def _run(layer, args, kwargs, stand_in: int):
    weights = _weight_count(layer)
    try:
        return _call_with(layer, args, kwargs, stand_in, torch.device("meta"))
    except (RuntimeError, NotImplementedError, TypeError):
        pass
    if _weight_count(layer) != weights:
        # sub-layers first built in that run kept real weights, which met meta tensors:
        # once more, with them on the meta device too
        try:
            return _call_with(layer, args, kwargs, stand_in, torch.device("meta"))
        except (RuntimeError, NotImplementedError, TypeError):
            pass
    # Data-dependent Python (``if x.max() > 0``) cannot run on meta tensors: run on zeros.
    device = next((p.device for p in layer.parameters()), torch.device("cpu"))
    with torch.no_grad():
        return _call_with(layer, args, kwargs, stand_in, device, real=True)


def _weight_count(layer) -> int:
    return len(list(layer.parameters())) + len(list(layer.buffers()))


def _call_with(layer, args, kwargs, stand_in, device, real=False):
    def placeholder(x):
        if not isinstance(x, SymbolicTensor):
            return x
        shape = [stand_in if d is None else d for d in x.shape]
        if x.dtype is STRING:  # a nested model's string input: strings of stand-in tokens
            return np.full(shape, " ".join(["x"] * stand_in), dtype=object)
        return torch.zeros(shape, dtype=x.dtype, device=device)

    margs, mkwargs = tree.map_structure(placeholder, (list(args), kwargs))
    first = margs[0] if margs else None
    if isinstance(first, torch.Tensor) and not first.is_floating_point() and not real:
        cast = layer.integer_input_cast()  # as the eager call casts them (Layer.__call__)
        if cast is not None:
            margs[0] = first.to(cast)
    if real:
        outputs = layer(*margs, **mkwargs)
    else:
        # stand-ins keep the weights' Keras API: a call may ``assign`` to its state
        state = {
            name: carry_variable_api(torch.empty_like(t, device="meta"), t)
            for name, t in list(layer.named_parameters()) + list(layer.named_buffers())
        }
        with _meta_run():
            outputs = functional_call(layer, state, tuple(margs), mkwargs, strict=False)
    for out in tree.flatten(outputs):
        if not isinstance(out, torch.Tensor):
            raise TypeError(
                f'Layer "{layer.name}" ({type(layer).__name__}) returned {type(out).__name__}; '
                "a layer must return tensors (or lists / dicts of them)"
            )
    return outputs
