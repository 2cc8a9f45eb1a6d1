"""What many ops share: Keras's conversion of inputs, dtype promotion, axes."""

from __future__ import annotations

import torch

from sloi.engine.dtypes import dtype_name, result_type, standardize_dtype
from sloi.engine.operators import convert_to_tensor

__all__ = ["axes", "convert_to_tensor", "dtype_name", "float_input", "result_type",
           "standardize_dtype"]


def float_input(x, dtype=None) -> torch.Tensor:
    """``x`` as a tensor for a function defined on floats: ints and bools become float32 (or
    ``dtype``), as Keras's float functions (``exp``, ``mean``, ``logsumexp``) take them."""
    x = convert_to_tensor(x)
    if x.is_floating_point() or x.is_complex():
        return x
    return x.to(standardize_dtype(dtype))  # None: floatx


def axes(axis, ndim: int):
    """Keras's ``axis`` (None, an int or a sequence, negatives allowed) as a tuple of
    non-negative axes; None stays None (every axis)."""
    if axis is None:
        return None
    if isinstance(axis, int):
        axis = (axis,)
    result = []
    for a in axis:
        a = int(a)
        if not -max(ndim, 1) <= a < max(ndim, 1):
            raise ValueError(f"axis {a} is out of bounds for a tensor of rank {ndim}")
        result.append(a % max(ndim, 1))
    return tuple(result)
