"""A weight budget while a model is built from a file's config.

A config is the file's word, not the file's weights: an 8 KB file whose config says
``Dense(units=300000000)`` would make ``add_weight`` allocate 6 GB before the weights it holds
are compared with the model. Inside ``weight_budget(limit, source, error)`` every
``Layer.add_weight`` first charges the bytes of the weight it is about to create; the weight
that takes the total over ``limit`` (or has a negative dimension) raises ``error`` naming the
file, the layer, the weight and its shape, before any memory is taken. The load site passes
its error class in (``FileFormatError`` lives on a higher floor) and a limit from what the file
actually holds (``limit_for``).

Outside a load no budget is set: ``charge`` is one context-variable lookup.
"""

from __future__ import annotations

import contextlib
import contextvars
import math

# What a model may take beyond twice the bytes its file holds: the factor covers weights
# saved in half precision and built in single, the slack the few small weights a file may
# leave out (seed states, a layer's counters).
SLACK_BYTES = 64 * 2**20

_BUDGET: contextvars.ContextVar = contextvars.ContextVar("sloi_weight_budget", default=None)


def limit_for(held_bytes: int) -> int:
    """The bytes a model built from a file that holds ``held_bytes`` of weights may take."""
    return 2 * int(held_bytes) + SLACK_BYTES


class _Budget:
    def __init__(self, limit: int, held: int, source: str, error: type[Exception]):
        self.limit, self.held, self.source, self.error = limit, held, source, error
        self.spent = 0


@contextlib.contextmanager
def weight_budget(held_bytes: int, source: str, error: type[Exception] = ValueError):
    """Within it, the weights created may take at most ``limit_for(held_bytes)`` bytes in
    all; ``source`` names the file in the error."""
    token = _BUDGET.set(_Budget(limit_for(held_bytes), int(held_bytes), source, error))
    try:
        yield
    finally:
        _BUDGET.reset(token)


def charge(layer, name: str, shape: tuple, itemsize: int) -> None:
    """Called by ``add_weight`` before it allocates; raises the budget's error when the
    weight does not fit (nothing happens outside a budget)."""
    budget = _BUDGET.get()
    if budget is None:
        return
    what = (f'{budget.source}: layer "{layer.name}" ({type(layer).__name__}) would create '
            f'the weight "{name}" of shape {tuple(shape)}')
    if any(d < 0 for d in shape):
        raise budget.error(f"{what}, which has a negative dimension (the config is damaged)")
    size = math.prod(shape) * itemsize
    if budget.spent + size > budget.limit:
        raise budget.error(
            f"{what} ({_mb(size)}), taking the model's weights to {_mb(budget.spent + size)}; "
            f"the file holds {_mb(budget.held)} of weights, so its config describes a model "
            f"far larger than its weights (at most {_mb(budget.limit)} is allowed). Nothing "
            "was allocated."
        )
    budget.spent += size


def _mb(n: int) -> str:
    return f"{n / 2**20:,.1f} MiB" if n < 2**40 else f"{n:.3g} bytes"
