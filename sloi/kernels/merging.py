"""Tensor math of the merging layers: rank alignment, masked element-wise merges, batch dot.

Masks here follow Keras: a mask has the input's shape less its last (feature) axis, ``True``
where a step is kept. A ``None`` mask means "nothing masked".
"""

from __future__ import annotations

from collections.abc import Callable

import torch

from sloi.settings import epsilon as backend_epsilon


def expand_to_rank(x: torch.Tensor, rank: int) -> torch.Tensor:
    """``x`` with size-1 axes inserted right after the batch axis until it has ``rank`` axes.

    ``(batch, 4)`` becomes ``(batch, 1, 1, 4)`` for rank 4, which then broadcasts against
    ``(batch, 3, 5, 4)``: the non-batch axes line up from the right, the batch axes stay together.
    """
    missing = rank - x.ndim
    if missing <= 0:
        return x
    return x.reshape(x.shape[:1] + (1,) * missing + x.shape[1:])


def _feature_mask(mask: torch.Tensor | None, x: torch.Tensor) -> torch.Tensor | None:
    """A step mask spread over ``x``'s feature axis, so it can select elements of ``x``."""
    return None if mask is None else mask.unsqueeze(-1).expand(x.shape)


def or_masks(masks: list[torch.Tensor]) -> torch.Tensor:
    """A step is kept when any input keeps it."""
    out = masks[0]
    for m in masks[1:]:
        out = out | m
    return out


def masked_multiply(inputs: list[torch.Tensor], masks: list) -> torch.Tensor:
    """Product of ``inputs`` where a masked step counts as 1; when every input has a mask, steps
    masked in all of them come out as 0 (Keras's ``Multiply``)."""
    all_masked = all(m is not None for m in masks)
    out, keep = None, None
    for x, mask in zip(inputs, masks, strict=True):
        mask = _feature_mask(mask, x)
        if mask is not None:
            x = torch.where(mask, x, torch.ones((), dtype=x.dtype, device=x.device))
            if all_masked:
                keep = mask if keep is None else keep | mask
        out = x if out is None else out * x
    if keep is not None:
        out = torch.where(keep, out, torch.zeros((), dtype=out.dtype, device=out.device))
    return out


def masked_extreme(
    op: Callable[[torch.Tensor, torch.Tensor], torch.Tensor], inputs: list[torch.Tensor],
    masks: list,
) -> torch.Tensor:
    """Fold ``op`` (``torch.maximum`` / ``torch.minimum``) over ``inputs`` so that a masked
    element never wins: it takes the other side's value before ``op`` runs.

    There is no neutral value for max or min, so, as in Keras, each masked element borrows the
    running result (or the running result borrows the new input) instead. The running mask is the
    OR of the masks seen so far, and is dropped as soon as one input comes without a mask.
    """
    out, out_mask = None, None
    for x, mask in zip(inputs, masks, strict=True):
        mask = _feature_mask(mask, x)
        if out is None:
            out, out_mask = x, mask
            continue
        if mask is not None:
            x = torch.where(mask, x, out)
        if out_mask is not None:
            out = torch.where(out_mask, out, x)
        out_mask = out_mask | mask if mask is not None and out_mask is not None else None
        out = op(out, x)
    return out


def concatenate_masks(inputs: list[torch.Tensor], masks: list, axis: int) -> torch.Tensor:
    """The mask of ``torch.cat(inputs, axis)``: each input's mask spread over its whole shape (an
    input without a mask is all kept), concatenated on ``axis``, then reduced over the feature axis:
    a step is kept when any of its features is."""
    full = []
    for x, mask in zip(inputs, masks, strict=True):
        if mask is None:
            full.append(torch.ones_like(x, dtype=torch.bool))
        elif mask.ndim < x.ndim:
            full.append(mask.unsqueeze(-1).expand(x.shape))
        else:
            full.append(mask.to(torch.bool))
    return torch.cat(full, dim=axis).any(dim=-1)


def l2_normalize(x: torch.Tensor, axis: int, epsilon: float | None = None) -> torch.Tensor:
    """``x / max(||x||, epsilon)`` along ``axis``, written as Keras writes it (``x * rsqrt``)."""
    epsilon = backend_epsilon() if epsilon is None else epsilon
    inv_norm = torch.rsqrt(torch.sum(x * x, dim=axis, keepdim=True))
    return x * torch.clamp(inv_norm, max=1.0 / epsilon)


def batch_dot(x: torch.Tensor, y: torch.Tensor, x_axis: int, y_axis: int) -> torch.Tensor:
    """Per-sample dot product of ``x`` and ``y`` over ``x_axis`` of ``x`` and ``y_axis`` of ``y``
    (both positive and not the batch axis), in one batched matrix product.

    The output axes are ``x``'s remaining axes (batch first) followed by ``y``'s remaining
    non-batch axes; a result with only the batch axis left gets a trailing axis of size 1,
    ``(batch, 1)``, as in Keras.
    """
    x = x.movedim(x_axis, -1)  # (batch, *x_rest, d)
    y = y.movedim(y_axis, 1)  # (batch, d, *y_rest)
    batch, depth = x.shape[0], x.shape[-1]
    x_rest, y_rest = x.shape[1:-1], y.shape[2:]
    out = torch.bmm(x.reshape(batch, -1, depth), y.reshape(batch, depth, -1))
    out = out.reshape((batch,) + tuple(x_rest) + tuple(y_rest))
    return out.unsqueeze(-1) if out.ndim == 1 else out
