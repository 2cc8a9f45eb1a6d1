"""Keras's dtype promotion as its torch backend applies it.

``sloi.engine.dtypes.result_type`` walks Keras's promotion lattice; Keras then narrows any
64-bit result to 32 bits on every backend but TensorFlow (JAX's default), so ``dot`` of two
float64 arrays gives float32 and ``arange(np.int64(5))`` int32. Ops whose dtypes Keras decides
with ``result_type`` use :func:`keras_result_type`.
"""

from __future__ import annotations

import torch

from sloi.engine.dtypes import result_type

__all__ = ["keras_result_type"]

_NARROW = {torch.int64: torch.int32, torch.float64: torch.float32,
           torch.complex128: torch.complex64, torch.uint64: torch.uint32}


def keras_result_type(*dtypes) -> torch.dtype:
    """``result_type(*dtypes)`` narrowed to 32 bits, as Keras's torch backend computes it."""
    dtype = result_type(*dtypes)
    return _NARROW.get(dtype, dtype)
