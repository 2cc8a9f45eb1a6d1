"""Keras's promotion, with its last step: no 64-bit results.

Keras's ``result_type`` (after JAX without x64) turns every 64-bit result into its 32-bit
sibling on the torch backend: ``result_type(float64, float32)`` is float32 and
``result_type(int64)`` is int32. The ops that ask Keras's ``result_type`` for their dtype
(``logaddexp2``, ``hypot``, ``quantile``, ``cumsum``, ...) follow it; the ops that let torch
promote (``exp``, ``add``) keep float64. ``sloi.engine.dtypes.result_type`` gives the lattice
join alone, so this module adds the step for the ops here.
"""

from __future__ import annotations

import torch

from sloi.engine.dtypes import result_type as lattice_join

__all__ = ["keras_result_type"]

_TO_32_BITS = {torch.float64: torch.float32, torch.int64: torch.int32,
               torch.complex128: torch.complex64}


def keras_result_type(*dtypes) -> torch.dtype:
    """The dtype Keras's ``backend.result_type(*dtypes)`` gives on the torch backend."""
    joined = lattice_join(*dtypes)
    return _TO_32_BITS.get(joined, joined)
