"""``convert_to_tensor``: arrays, Python numbers and nested lists as tensors with Keras's dtypes.

It lives below the operators (which use it for their operands) so that what the operators
need, the layer and its variables, can use it too.
"""

from __future__ import annotations

import numpy as np
import torch

from sloi.engine.dtypes import result_type, standardize_dtype


def convert_to_tensor(x, dtype=None):
    """``x`` (tensor, numpy array, Python number or nested list) as a ``torch.Tensor``, with
    Keras's dtypes for Python values: int -> int32 (int64 when it does not fit), float ->
    float32, bool -> bool. A given ``dtype`` casts."""
    target = None if dtype is None else standardize_dtype(dtype)
    if isinstance(x, torch.Tensor):
        return x if target is None or x.dtype == target else x.to(target)
    if isinstance(x, (bool, int, float, complex)):
        if target is None:
            target = _python_dtype(x)
        return torch.tensor(x, dtype=target)
    if isinstance(x, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in x):
        return torch.stack([convert_to_tensor(v, dtype) for v in x])
    array = np.asarray(x)
    if array.dtype == np.uint32:
        array = array.astype(np.int64)  # torch has no uint32 arithmetic
    if array.dtype == object:
        raise TypeError(f"Cannot convert {type(x).__name__} {x!r:.60} to a tensor")
    if target is None and not isinstance(x, np.ndarray) and not np.isscalar(x):
        # nested Python lists: Keras's dtypes for Python numbers, not numpy's 64-bit ones
        flat = array.reshape(-1).tolist()
        target = result_type(*[type(v) for v in flat]) if flat else torch.float32
    tensor = torch.from_numpy(np.ascontiguousarray(array)) if array.ndim else torch.tensor(
        array.item(), dtype=_numpy_dtype(array))
    return tensor if target is None or tensor.dtype == target else tensor.to(target)


def _python_dtype(x) -> torch.dtype:
    if isinstance(x, bool):
        return torch.bool
    if isinstance(x, int):
        return torch.int32 if -(2**31) <= x < 2**31 else torch.int64
    if isinstance(x, float):
        return standardize_dtype(None)  # floatx
    return torch.complex64


def _numpy_dtype(array: np.ndarray) -> torch.dtype:
    return torch.from_numpy(np.zeros(1, dtype=array.dtype)).dtype
