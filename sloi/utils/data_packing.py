"""``pack_x_y_sample_weight`` / ``unpack_x_y_sample_weight``: the batch tuple ``fit`` reads."""

from __future__ import annotations

from sloi.training.data_adapters import unpack


def pack_x_y_sample_weight(x, y=None, sample_weight=None):
    """``x``, ``(x, y)`` or ``(x, y, sample_weight)``, leaving out the trailing Nones.

    A lone ``x`` that is a list or tuple comes back wrapped in a 1-tuple, so that unpacking
    it does not mistake its items for ``(x, y)``.
    """
    if y is None:
        return (x,) if isinstance(x, (list, tuple)) else x
    if sample_weight is None:
        return (x, y)
    return (x, y, sample_weight)


def unpack_x_y_sample_weight(data):
    """``(x, y, sample_weight)`` from ``x``, ``(x,)``, ``(x, y)`` or ``(x, y, sample_weight)``
    (a list counts as a tuple); missing parts are None."""
    return unpack(tuple(data) if isinstance(data, list) else data)
