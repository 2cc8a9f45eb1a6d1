"""The mask a tensor carries, as Keras keeps it: an attribute ``_keras_mask`` set on the tensor
itself (a ``torch.Tensor`` in eager calls, a ``SymbolicTensor`` in a graph being built), so that
Keras code that reads the tensor's ``_keras_mask`` works unchanged. sloi's own modules read and
write it only through these two functions (Keras's ``get_keras_mask`` / ``set_keras_mask``)."""

from __future__ import annotations

_ATTRIBUTE = "_keras_mask"


def get_keras_mask(x):
    """The mask ``x`` carries, or None (also for values that cannot carry one)."""
    return getattr(x, _ATTRIBUTE, None)


def set_keras_mask(x, mask) -> None:
    """Make ``x`` carry ``mask`` (None removes nothing: it records that there is no mask)."""
    setattr(x, _ATTRIBUTE, mask)
