"""Products of tensors: dot, inner, outer, Kronecker, tensor and cross products, ``einsum``,
correlation, trace and log-determinant, and ``vectorize`` (a function mapped over batch axes).

Keras's torch backend computes ``dot``, ``inner``, ``tensordot`` and ``vdot`` in floating point
(torch's CPU kernels take no integers there) and casts back to the operands' common dtype;
sloi does the same, so the dtypes and values agree.
"""

from __future__ import annotations

import re

import torch
import torch.nn.functional as F

from sloi.engine.dtypes import result_type
from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import convert_to_tensor, float_input

__all__ = [
    "correlate", "cross", "dot", "einsum", "inner", "kron", "outer", "slogdet", "tensordot",
    "trace", "vdot", "vectorize",
]


def _in_float(x1, x2):
    """Both operands in a float dtype wide enough for them, and the dtype the result has."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    result = result_type(x1.dtype, x2.dtype)
    compute = result_type(result, float)
    if compute in (torch.float16, torch.bfloat16):
        compute = torch.float32  # torch's CPU matmul kernels take no half floats
    return x1.to(compute), x2.to(compute), result


@keras_op
def dot(x1, x2):
    """The dot product: ``x1 * x2`` when one is a scalar, else ``matmul(x1, x2)``."""
    x1, x2, dtype = _in_float(x1, x2)
    if x1.ndim == 0 or x2.ndim == 0:
        return torch.multiply(x1, x2).to(dtype)
    return torch.matmul(x1, x2).to(dtype)


@keras_op
def inner(x1, x2):
    """Sum of products over the last axes of ``x1`` and ``x2`` (a scalar operand
    multiplies)."""
    x1, x2, dtype = _in_float(x1, x2)
    return torch.inner(x1, x2).to(dtype)


@keras_op
def vdot(x1, x2):
    """The dot product of the flattened ``x1`` and ``x2`` (conjugating ``x1``)."""
    x1, x2, dtype = _in_float(x1, x2)
    return torch.vdot(x1.reshape(-1), x2.reshape(-1)).to(dtype)


@keras_op
def tensordot(x1, x2, axes=2):
    """Sum of products over the last ``axes`` axes of ``x1`` and first of ``x2``, or over the
    axis lists ``axes = (axes_of_x1, axes_of_x2)``."""
    x1, x2, dtype = _in_float(x1, x2)
    if isinstance(axes, (list, tuple)):
        first, second = axes
        first = tuple(first) if isinstance(first, (list, tuple)) else (first,)
        second = tuple(second) if isinstance(second, (list, tuple)) else (second,)
        axes = (first, second)
    return torch.tensordot(x1, x2, dims=axes).to(dtype)


@keras_op
def outer(x1, x2):
    """The outer product of the flattened ``x1`` and ``x2``: ``out[i, j] = x1[i] * x2[j]``."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return torch.outer(x1.reshape(-1).to(dtype), x2.reshape(-1).to(dtype))


@keras_op
def kron(x1, x2):
    """The Kronecker product: blocks of ``x2`` scaled by each element of ``x1``."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    dtype = torch.promote_types(x1.dtype, x2.dtype)
    return torch.kron(x1.to(dtype), x2.to(dtype))


@keras_op
def cross(x1, x2, axisa=-1, axisb=-1, axisc=-1, axis=None):
    """The cross product of 3-vectors (or of 2-vectors, giving the z component) along
    ``axisa`` of ``x1`` and ``axisb`` of ``x2``, the result's vectors along ``axisc``;
    ``axis`` sets all three."""
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    if axis is not None:
        axisa = axisb = axisc = axis
    dtype = result_type(x1.dtype, x2.dtype)
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    a, b = torch.movedim(x1, axisa, -1).to(compute), torch.movedim(x2, axisb, -1).to(compute)
    if a.shape[-1] not in (2, 3) or b.shape[-1] not in (2, 3):
        raise ValueError("cross: the vector axes must have size 2 or 3; got shapes "
                         f"{tuple(x1.shape)} (axis {axisa}) and {tuple(x2.shape)} "
                         f"(axis {axisb})")
    if a.shape[-1] == 2 and b.shape[-1] == 2:
        return (a[..., 0] * b[..., 1] - a[..., 1] * b[..., 0]).to(dtype)
    a, b = F.pad(a, (0, 3 - a.shape[-1])), F.pad(b, (0, 3 - b.shape[-1]))
    a, b = torch.broadcast_tensors(a, b)
    return torch.movedim(torch.linalg.cross(a, b, dim=-1), -1, axisc).to(dtype)


@keras_op
def einsum(*operands, subscripts=None, **kwargs):
    """Einstein summation: the product of ``operands`` that ``subscripts`` spells
    (``einsum("ij,jk->ik", a, b)``, or ``subscripts=`` by name as a Keras config gives it)."""
    if kwargs:
        # numpy's and JAX's einsum options (optimize, precision) have no torch meaning
        raise ValueError(f"einsum: sloi takes no options; got {sorted(kwargs)}")
    if subscripts is None:
        if not operands or not isinstance(operands[0], str):
            raise TypeError("einsum needs subscripts: einsum('ij,jk->ik', a, b)")
        subscripts, operands = operands[0], operands[1:]
    operands = [convert_to_tensor(x) for x in operands]
    dtypes = {x.dtype for x in operands}
    if dtypes == {torch.int8}:
        # int8 products overflow: computed and returned in int32, as Keras does
        return torch.einsum(subscripts, *[x.to(torch.int32) for x in operands])
    common = operands[0].dtype
    for x in operands[1:]:
        common = torch.promote_types(common, x.dtype)
    return torch.einsum(subscripts, *[x.to(common) for x in operands])


@keras_op
def trace(x, offset=0, axis1=0, axis2=1):
    """The sum along the diagonal at ``offset`` of the planes of ``axis1`` and ``axis2``
    (small integers and bools sum in int32)."""
    x = convert_to_tensor(x)
    dtype = x.dtype
    if dtype in (torch.bool, torch.int8, torch.int16, torch.uint8):
        dtype = torch.int32
    return torch.sum(torch.diagonal(x, offset, axis1, axis2), dim=-1, dtype=dtype)


@keras_op
def slogdet(x):
    """The sign and the log of the absolute value of the determinant of the square matrices
    ``x``: a pair of tensors."""
    return tuple(torch.linalg.slogdet(float_input(x)))


@keras_op
def correlate(x1, x2, mode="valid"):
    """The cross-correlation of the 1-D ``x1`` and ``x2`` (``"valid"``: where they fully
    overlap, ``"same"``: the longer input's length, ``"full"``: every overlap), as numpy."""
    if mode not in ("valid", "same", "full"):
        raise ValueError(f'correlate: mode must be "valid", "same" or "full"; got {mode!r}')
    x1, x2 = convert_to_tensor(x1), convert_to_tensor(x2)
    dtype = result_type(x1.dtype, x2.dtype)
    if dtype not in (torch.bfloat16, torch.float16):
        dtype = torch.float32  # Keras correlates integers (and narrows float64) in float32
    if x1.ndim != 1 or x2.ndim != 1:
        raise ValueError(f"correlate expects 1-D inputs; got shapes {tuple(x1.shape)} and "
                         f"{tuple(x2.shape)}")
    n1, n2 = x1.shape[0], x2.shape[0]
    full = F.conv1d(x1.to(dtype)[None, None], x2.to(dtype)[None, None], padding=n2 - 1)[0, 0]
    if mode == "full":
        return full
    length = max(n1, n2) - min(n1, n2) + 1 if mode == "valid" else max(n1, n2)
    start = (full.shape[0] - length) // 2
    return full[start:start + length]


# ---------------------------------------------------------------------------- vectorize
_DIMS = r"\((?:\w+(?:,\s*\w+)*)?\)"
_SIGNATURE = re.compile(rf"^{_DIMS}(?:,\s*{_DIMS})*->{_DIMS}(?:,\s*{_DIMS})*$")


def _core_dims(signature: str):
    """``"(n),(n)->()"`` -> ``([("n",), ("n",)], [()])``."""
    if not _SIGNATURE.match(signature.replace(" ", "")):
        raise ValueError(f"vectorize: not a gufunc signature: {signature!r}")
    inputs, outputs = signature.replace(" ", "").split("->")

    def parse(part):
        return [tuple(d for d in group.split(",") if d)
                for group in re.findall(r"\(([^)]*)\)", part)]

    return parse(inputs), parse(outputs)


def vectorize(pyfunc, *, excluded=None, signature=None):
    """``pyfunc`` (written for single elements, or for the core dimensions a gufunc
    ``signature`` such as ``"(n),(n)->()"`` names) as a function mapped over every other
    axis of its arguments, broadcast together; arguments in ``excluded`` (positions or
    names) pass through unmapped."""
    if not callable(pyfunc):
        raise ValueError(f"vectorize expects a callable; got {pyfunc!r}")
    excluded = set(excluded or ())

    def vectorized(*args, **kwargs):
        fixed = {i: a for i, a in enumerate(args) if i in excluded or a is None}
        mapped = [convert_to_tensor(a) for i, a in enumerate(args) if i not in fixed]
        fixed_kwargs = {k: v for k, v in kwargs.items() if k in excluded}
        mapped_names = [k for k in kwargs if k not in excluded]
        mapped += [convert_to_tensor(kwargs[k]) for k in mapped_names]
        if signature is None:
            core = [()] * len(mapped)
        else:
            core = _core_dims(signature)[0]
            core = core + [()] * (len(mapped) - len(core))
        loop_shapes = [tuple(t.shape[:t.ndim - len(c)]) for t, c in zip(mapped, core)]
        loop = torch.broadcast_shapes(*loop_shapes) if loop_shapes else ()
        flat = [t.broadcast_to(loop + tuple(t.shape[t.ndim - len(c):])).reshape(
            (-1,) + tuple(t.shape[t.ndim - len(c):])) for t, c in zip(mapped, core)]

        def call(*values):
            it = iter(values[:len(values) - len(mapped_names)])
            full = [fixed[i] if i in fixed else next(it) for i in range(len(args))]
            named = dict(zip(mapped_names, values[len(values) - len(mapped_names):]))
            return pyfunc(*full, **fixed_kwargs, **named)

        out = torch.vmap(call)(*flat) if flat else call()

        def unflatten(t):
            return t.reshape(loop + tuple(t.shape[1:]))

        if isinstance(out, (tuple, list)):
            return type(out)(unflatten(t) for t in out)
        return unflatten(out)

    vectorized.__name__ = getattr(pyfunc, "__name__", "vectorized")
    vectorized.__doc__ = getattr(pyfunc, "__doc__", None)
    return vectorized
