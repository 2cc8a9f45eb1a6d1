"""The ops behind Python's operators on functional tensors: ``x + y``, ``x[:, -1]``, ``-x``.

Each is an ordinary op (``keras_op``): eager on tensors, numpy arrays and Python numbers, an op
node on symbolic tensors. They follow Keras 3 on its torch backend: Python numbers become
tensors as Keras converts them (``int`` -> int32, ``float`` -> float32, ``bool`` -> bool) and
torch's promotion decides the result's dtype. ``sloi.ops`` re-exports these very functions
(``ops.add is operators.add``), so a config written with ``"Add"`` finds one op.
"""

from __future__ import annotations

import torch

from sloi.engine.conversion import convert_to_tensor
from sloi.engine.dtypes import result_type
from sloi.engine.operation import keras_op


def _pair(x1, x2):
    return convert_to_tensor(x1), convert_to_tensor(x2)


# ---------------------------------------------------------------------------- arithmetic
@keras_op
def add(x1, x2):
    """Element-wise ``x1 + x2`` with broadcasting."""
    x1, x2 = _pair(x1, x2)
    return torch.add(x1, x2)


@keras_op
def subtract(x1, x2):
    """Element-wise ``x1 - x2``; a bool operand takes the other's dtype (torch has no bool
    subtraction)."""
    x1, x2 = _pair(x1, x2)
    if x1.dtype == torch.bool:
        x1 = x1.to(x2.dtype)
    if x2.dtype == torch.bool:
        x2 = x2.to(x1.dtype)
    return torch.subtract(x1, x2)


@keras_op
def multiply(x1, x2):
    """Element-wise ``x1 * x2``."""
    x1, x2 = _pair(x1, x2)
    return torch.multiply(x1, x2)


@keras_op
def divide(x1, x2):
    """Element-wise true division ``x1 / x2`` (integers give floats)."""
    x1 = x1 if isinstance(x1, (int, float)) else convert_to_tensor(x1)
    x2 = x2 if isinstance(x2, (int, float)) else convert_to_tensor(x2)
    return torch.divide(x1, x2)


@keras_op
def true_divide(x1, x2):
    """Same as :func:`divide`."""
    return divide(x1, x2)


@keras_op
def floor_divide(x1, x2):
    """Element-wise ``x1 // x2``, rounded toward minus infinity, in the operands' common
    dtype."""
    dtype = result_type(getattr(x1, "dtype", type(x1)), getattr(x2, "dtype", type(x2)))
    x1 = x1 if isinstance(x1, (int, float)) else convert_to_tensor(x1)
    x2 = x2 if isinstance(x2, (int, float)) else convert_to_tensor(x2)
    return torch.floor_divide(x1, x2).to(dtype)


@keras_op
def mod(x1, x2):
    """Element-wise remainder with the sign of the divisor (Python's ``%``)."""
    x1, x2 = _pair(x1, x2)
    if result_type(x1.dtype, x2.dtype) == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.remainder(x1, x2)


@keras_op
def power(x1, x2):
    """Element-wise ``x1 ** x2``."""
    x1, x2 = _pair(x1, x2)
    return torch.pow(x1, x2)


@keras_op
def matmul(x1, x2):
    """Matrix product ``x1 @ x2`` with numpy's rules for 1-D operands and batch axes."""
    x1, x2 = _pair(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype)
    if not dtype.is_floating_point and dtype != torch.bool:
        # torch's CPU matmul takes no integers narrower than its own kernels: compute wide
        return torch.matmul(x1.to(torch.int64), x2.to(torch.int64)).to(dtype)
    if dtype == torch.bool:
        return torch.matmul(x1.to(torch.int32), x2.to(torch.int32)).to(torch.int32)
    return torch.matmul(x1.to(dtype), x2.to(dtype))


@keras_op
def negative(x):
    """Element-wise ``-x``."""
    return torch.negative(convert_to_tensor(x))


@keras_op
def absolute(x):
    """Element-wise ``|x|`` (a bool tensor is returned as it is)."""
    x = convert_to_tensor(x)
    return x if x.dtype == torch.bool else torch.abs(x)


@keras_op
def abs(x):  # noqa: A001 - Keras's name
    """Same as :func:`absolute`."""
    return absolute(x)


@keras_op
def round(x, decimals=0):  # noqa: A001 - Keras's name
    """Round half to even, to ``decimals`` places; integers stay integers."""
    x = convert_to_tensor(x)
    if not x.is_floating_point() and x.dtype != torch.bool:
        return torch.round(x.to(torch.float32), decimals=decimals).to(x.dtype)
    return torch.round(x, decimals=decimals)


# ---------------------------------------------------------------------------- comparisons
@keras_op
def equal(x1, x2):
    """Element-wise ``x1 == x2`` (bool)."""
    return torch.eq(*_pair(x1, x2))


@keras_op
def not_equal(x1, x2):
    """Element-wise ``x1 != x2`` (bool)."""
    return torch.ne(*_pair(x1, x2))


@keras_op
def less(x1, x2):
    """Element-wise ``x1 < x2`` (bool)."""
    return torch.less(*_pair(x1, x2))


@keras_op
def less_equal(x1, x2):
    """Element-wise ``x1 <= x2`` (bool)."""
    return torch.less_equal(*_pair(x1, x2))


@keras_op
def greater(x1, x2):
    """Element-wise ``x1 > x2`` (bool)."""
    return torch.greater(*_pair(x1, x2))


@keras_op
def greater_equal(x1, x2):
    """Element-wise ``x1 >= x2`` (bool)."""
    return torch.greater_equal(*_pair(x1, x2))


@keras_op
def logical_and(x1, x2):
    """Element-wise logical AND (bool)."""
    return torch.logical_and(*_pair(x1, x2))


@keras_op
def logical_or(x1, x2):
    """Element-wise logical OR (bool)."""
    return torch.logical_or(*_pair(x1, x2))


@keras_op
def logical_xor(x1, x2):
    """Element-wise logical XOR (bool)."""
    return torch.logical_xor(*_pair(x1, x2))


@keras_op
def logical_not(x):
    """Element-wise logical NOT (bool)."""
    return torch.logical_not(convert_to_tensor(x))


# ---------------------------------------------------------------------------- indexing
@keras_op
def get_item(x, key):
    """``x[key]``: ints, slices, ``None``, ``...`` and integer or bool tensors, as numpy
    indexes."""
    x = convert_to_tensor(x)
    if isinstance(key, list):
        key = tuple(key)
    return x[key]


# Python's operator -> (op, operands swapped). SymbolicTensor's dunders read this table.
BINARY = {
    "__add__": (add, False), "__radd__": (add, True),
    "__sub__": (subtract, False), "__rsub__": (subtract, True),
    "__mul__": (multiply, False), "__rmul__": (multiply, True),
    "__truediv__": (true_divide, False), "__rtruediv__": (true_divide, True),
    "__floordiv__": (floor_divide, False), "__rfloordiv__": (floor_divide, True),
    "__mod__": (mod, False), "__rmod__": (mod, True),
    "__pow__": (power, False), "__rpow__": (power, True),
    "__matmul__": (matmul, False), "__rmatmul__": (matmul, True),
    "__lt__": (less, False), "__le__": (less_equal, False),
    "__gt__": (greater, False), "__ge__": (greater_equal, False),
    "__ne__": (not_equal, False),
    "__and__": (logical_and, False), "__rand__": (logical_and, True),
    "__or__": (logical_or, False), "__ror__": (logical_or, True),
    "__xor__": (logical_xor, False), "__rxor__": (logical_xor, True),
}
UNARY = {"__neg__": negative, "__abs__": absolute, "__invert__": logical_not}
