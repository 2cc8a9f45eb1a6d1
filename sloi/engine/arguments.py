"""Checks of layer constructor arguments: sizes are positive integers, flags are bools, shapes
hold sizes.

A layer made from a saved config runs its constructor like any other, so these checks guard
configs too: ``{"units": 2.5}`` or ``{"use_bias": "no"}`` in a file is refused where it is read,
not half-honoured later (``int(2.5)`` units, a truthy ``"no"``). Each check is a few
``isinstance`` tests, cheap enough for every constructor. Errors are ``ValueError`` (as Keras's
for ``units``) and start with ``Layer "<name>" (<class>):``.
"""

from __future__ import annotations

import numbers

import numpy as np


def _where(layer) -> str:
    return f'Layer "{layer.name}" ({type(layer).__name__})'


def _describe(value) -> str:
    return f"{value!r} ({type(value).__name__})"


def is_int(value) -> bool:
    """An integer that is not a bool: Python's ``int`` or numpy's integers."""
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def positive_int(layer, name: str, value) -> int:
    """``value`` as an ``int`` when it is an integer >= 1; else a ``ValueError`` naming the
    layer, the argument and the value (``2.5``, ``"3"``, ``True`` and ``0`` are refused)."""
    if is_int(value) and value > 0:
        return int(value)
    raise ValueError(f"{_where(layer)}: `{name}` must be a positive integer; got "
                     f"{_describe(value)}")


def check_flags(layer, **flags) -> None:
    """Each keyword must be a bool (Python's or numpy's): ``use_bias="no"`` would otherwise be
    truthy, the opposite of what it says."""
    for name, value in flags.items():
        if not isinstance(value, (bool, np.bool_)):
            raise ValueError(f"{_where(layer)}: `{name}` must be True or False; got "
                             f"{_describe(value)}")


def shape_dims(layer, name: str, shape) -> tuple:
    """``shape`` as a tuple of ints and Nones: each entry a size >= 0 (Keras allows an empty
    axis) or None (unknown). A negative, fractional or non-numeric size raises."""
    try:
        dims = tuple(shape)
    except TypeError:
        raise ValueError(f"{_where(layer)}: `{name}` must be a tuple of sizes (integers >= 0 or "
                         f"None); got {_describe(shape)}") from None
    for axis, d in enumerate(dims):
        if d is not None and not (is_int(d) and d >= 0):
            raise ValueError(
                f"{_where(layer)}: `{name}` must hold sizes (integers >= 0 or None); got "
                f"{tuple(dims)}, whose axis {axis} is {_describe(d)}")
    return tuple(None if d is None else int(d) for d in dims)
