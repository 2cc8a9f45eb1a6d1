"""Small tensor helpers shared by the metric families.

Everything here is called once per batch, so it stays on the device: no ``.item()``, no Python
branch on a tensor's value; only shapes (known on the host) steer the code.
"""

import numpy as np
import torch

from sloi.engine.call_inputs import tensor_from_numpy
from sloi.settings import epsilon as backend_epsilon


def as_tensor(x, dtype=None, device=None) -> torch.Tensor:
    """``x`` as a tensor; tensors keep their device unless ``device`` is given."""
    if isinstance(x, torch.Tensor):
        if device is not None and x.device != device:
            x = x.to(device)
        return x if dtype is None or x.dtype == dtype else x.to(dtype)
    if isinstance(x, (list, tuple)) and any(isinstance(v, torch.Tensor) for v in x):
        return torch.stack([as_tensor(v, dtype, device) for v in x])
    if not isinstance(x, (list, tuple, float, int, bool)):
        x = tensor_from_numpy(np.asarray(x))  # numpy arrays keep their dtype, as in Keras
    # Python floats and lists of them become float32 (Keras's floatx), not float64.
    return torch.as_tensor(x, dtype=dtype, device=device)


def squeeze_or_expand_to_same_rank(x1, x2, expand_rank_1=True):
    """Keras's rank reconciliation: when ranks differ by one and the longer one ends in a size-1
    axis, squeeze that axis, or (for a rank-1 partner and ``expand_rank_1``) expand the partner.
    """
    r1, r2 = x1.dim(), x2.dim()
    if r1 == r2 + 1 and x1.shape[-1] == 1:
        if r2 == 1 and expand_rank_1:
            x2 = x2.unsqueeze(-1)
        else:
            x1 = x1.squeeze(-1)
    if r2 == r1 + 1 and x2.shape[-1] == 1:
        if r1 == 1 and expand_rank_1:
            x1 = x1.unsqueeze(-1)
        else:
            x2 = x2.squeeze(-1)
    return x1, x2


def divide_no_nan(x, y):
    """``x / y`` with 0 wherever ``y == 0`` (Keras's ``ops.divide_no_nan``)."""
    zero = y == 0
    return torch.where(zero, torch.zeros_like(x), x / torch.where(zero, torch.ones_like(y), y))


def apply_mask(sample_weight, mask, dtype):
    """Fold a Keras mask into the sample weights (Keras's ``apply_mask`` with a "sum" reduction:
    masked steps get weight 0, the others keep theirs)."""
    if mask is None:
        return sample_weight
    mask = mask.to(dtype)
    if sample_weight is None:
        return mask
    sample_weight = as_tensor(sample_weight, dtype=dtype, device=mask.device)
    mask, sample_weight = squeeze_or_expand_to_same_rank(mask, sample_weight)
    # Per-sample weights against a per-step mask: Keras fails to broadcast them (trailing axes
    # align); we give every step its sample's weight instead.
    sample_weight = sample_weight.reshape(
        tuple(sample_weight.shape) + (1,) * (mask.dim() - sample_weight.dim()))
    return sample_weight * mask


def l2_normalize(x, dim=-1):
    """``x / max(||x||, eps)`` written as Keras does it, ``x * min(rsqrt(sum x^2), 1/eps)``."""
    inv_norm = torch.rsqrt(torch.sum(x * x, dim=dim, keepdim=True))
    return x * torch.clamp(inv_norm, max=1.0 / backend_epsilon())
