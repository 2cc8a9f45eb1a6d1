"""The ``training`` flag of the outermost call, for the layers called inside it.

Keras decides a layer's ``training`` argument in this order: the value the caller passed (if
not None); else the flag of an enclosing call (``fit`` runs the model with ``training=True``,
``predict`` with ``False``, and ``outer(x, training=True)`` passes True to every layer its
``call`` calls, whatever that ``call`` forwards); else the default in the layer's ``call``
signature. ``Layer.forward`` reads ``state.value`` for the second (an attribute, not a call:
it runs for every layer of every batch); ``fit`` / ``evaluate`` / ``predict`` and an explicit
``training=`` on an outermost call set it with ``flag(...)``.
"""

from __future__ import annotations

import threading


class _State(threading.local):
    value = None  # the innermost enclosing flag in this thread; None outside any


state = _State()


class flag:
    """``with flag(True): ...``: calls inside get ``training=True`` where they are given none."""

    __slots__ = ("value", "previous")

    def __init__(self, value: bool):
        self.value = bool(value)

    def __enter__(self):
        self.previous = state.value
        state.value = self.value
        return self

    def __exit__(self, *exc):
        state.value = self.previous
        return False
