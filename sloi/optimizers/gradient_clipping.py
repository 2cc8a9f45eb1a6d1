"""Keras's gradient clipping, in place on a list of gradient tensors, without host syncs.

Every norm stays a device tensor and scales the gradients through `torch._foreach_mul_`, so
clipping never reads a value back.
"""

import torch


def clip_by_value_(grads, clipvalue):
    """Clamps every gradient element to `[-clipvalue, clipvalue]`."""
    torch._foreach_clamp_min_(grads, -clipvalue)
    torch._foreach_clamp_max_(grads, clipvalue)


def clip_by_norm_(grads, clipnorm):
    """Rescales each gradient on its own to an L2 norm of at most `clipnorm`.

    Keras computes `g * clipnorm / max(||g||, clipnorm)`: gradients already inside the ball,
    zero ones included, are left unchanged.
    """
    norms = torch._foreach_norm(grads)
    torch._foreach_maximum_(norms, clipnorm)
    torch._foreach_reciprocal_(norms)
    torch._foreach_mul_(norms, clipnorm)
    torch._foreach_mul_(grads, norms)


def clip_by_global_norm_(grads, clipnorm):
    """Rescales all gradients together so that their joint L2 norm is at most `clipnorm`.

    The factor is Keras's `min(clipnorm / norm, 1)` exactly (torch's `clip_grad_norm_` adds
    1e-6 to the norm); a non-finite norm gives NaN gradients, as in Keras, so that the step
    visibly fails instead of silently zeroing them.
    """
    total = torch.nn.utils.get_total_norm(grads, foreach=True)
    scale = clipnorm / torch.clamp(total, min=clipnorm) + (total - total)
    for device, group in _by_device(grads).items():
        torch._foreach_mul_(group, scale.to(device, non_blocking=True))


def _by_device(tensors):
    groups = {}
    for t in tensors:
        groups.setdefault(t.device, []).append(t)
    return groups
