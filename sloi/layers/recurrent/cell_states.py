"""Zero states for a recurrent cell, as Keras's cells give them from ``get_initial_state``."""

from __future__ import annotations

import torch

from sloi.engine.dtypes import standardize_dtype
from sloi.engine.module_tools import first_parameter


def zero_states(cell, batch_size, sizes) -> list[torch.Tensor]:
    """One ``(batch_size, size)`` zero tensor per size, in the cell's compute dtype and on its
    weights' device (the default device before it is built)."""
    weight = first_parameter(cell)
    device = weight.device if weight is not None else None
    dtype = standardize_dtype(cell.compute_dtype)
    return [torch.zeros(batch_size, size, dtype=dtype, device=device) for size in sizes]
