"""The callbacks one ``evaluate`` or ``predict`` call runs: the user's, a progress bar when
``verbose`` asks for one, and under distribution only those this process should run."""

from __future__ import annotations

from sloi import callbacks as callbacks_mod
from sloi.training._distribution import hooks


def callback_list(trainer, callbacks, verbose, params: dict):
    """A ``CallbackList`` bound to the trainer's model, with ``verbose`` already resolved."""
    cbs = list(callbacks or [])
    if verbose:
        cbs.append(callbacks_mod.ProgbarLogger(verbose))
    cbs = hooks().callbacks_here(trainer, cbs)
    return callbacks_mod.CallbackList(cbs, model=trainer.model, params=params)
