"""The callbacks each process runs under distribution: rank 0 prints and writes files, the
others neither; ``TerminateOnNaN`` judges the global loss; and last, the agreement that stops
every process at the same batch (``stopping.py``)."""

from __future__ import annotations

from sloi import callbacks as callbacks_mod
from sloi.distribute import stopping

# Callbacks that write files: rank 0 runs them, the other processes leave them out (and wait
# for rank 0 at the barrier that ends each epoch).
_WRITERS = (callbacks_mod.ModelCheckpoint, callbacks_mod.CSVLogger, callbacks_mod.TensorBoard)


class RestoreOnly(callbacks_mod.Callback):
    """``BackupAndRestore`` on the processes other than rank 0: they restore from the backup
    like rank 0 does, but never write or delete it."""

    def __init__(self, backup):
        super().__init__()
        self.backup = backup

    def set_model(self, model):
        super().set_model(model)
        self.backup.set_model(model)

    def on_train_begin(self, logs=None):
        self.backup.on_train_begin(logs)


def callbacks_here(trainer, cbs: list, is_chief: bool) -> list:
    """The callbacks of this process: those ``worker_callbacks`` keeps, ``TerminateOnNaN``
    judging the global loss (``trainer``'s running loss over every process), and last the
    agreement that stops every process at the same batch."""
    kept = [stopping.GlobalTerminateOnNaN(cb, trainer)
            if isinstance(cb, callbacks_mod.TerminateOnNaN) else cb
            for cb in worker_callbacks(cbs, is_chief)]
    return kept + [stopping.StopAgreement(kept)]


def worker_callbacks(cbs: list, is_chief: bool) -> list:
    """The callbacks a process runs: all on rank 0 (``is_chief``); elsewhere no printing and
    no writing."""
    if is_chief:
        return cbs
    kept = []
    for cb in cbs:
        if isinstance(cb, callbacks_mod.ProgbarLogger) or isinstance(cb, _WRITERS):
            continue
        if isinstance(cb, callbacks_mod.BackupAndRestore):
            kept.append(RestoreOnly(cb))
            continue
        kept.append(cb)
    return kept
