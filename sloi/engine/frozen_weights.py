"""``frozen()``: a loop that only reads the weights (``predict``) says so, and a layer may then
keep what it converts from its weights between the loop's batches.

A GRU's fused kernel wants its weights in torch's gate order, which takes a gather from the
parameters at every call (``layers/recurrent/fused_layout.py``); in ``predict`` they do not
change between batches, so the gather runs once a loop. Outside such a loop nothing is kept:
an optimizer step may write the parameters without telling anyone (torch's fused Adam does
not bump their version counters). Inside one, a parameter written all the same (a callback's
``set_weights``) bumps its version counter, which the layer compares too.
"""

from __future__ import annotations

import threading

_local = threading.local()


class _Frozen:
    """The context manager ``frozen()`` returns; each one a fresh token."""

    __slots__ = ("previous",)

    def __enter__(self):
        self.previous = getattr(_local, "token", None)
        _local.token = self
        return self

    def __exit__(self, *exc):
        _local.token = self.previous
        return False


def frozen() -> _Frozen:
    """Within: the weights are only read (``with frozen(): ...`` around a predict loop)."""
    return _Frozen()


def current():
    """The token of the innermost ``frozen()`` loop this thread runs, or None outside one."""
    return getattr(_local, "token", None)
