"""``remat``: Keras 3's rematerialization, on ``torch.utils.checkpoint``."""

from __future__ import annotations

import functools

from torch.utils.checkpoint import checkpoint


def remat(f):
    """``f`` that keeps no intermediate activations for the backward pass: they are computed
    again when gradients are needed, trading compute for memory (gradient checkpointing)."""

    @functools.wraps(f)
    def rematerialized(*args, **kwargs):
        return checkpoint(f, *args, use_reentrant=False, **kwargs)

    return rematerialized
