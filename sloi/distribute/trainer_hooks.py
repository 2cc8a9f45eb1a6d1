"""What ``Trainer`` calls under distribution: the model check, the DDP wrapper and the
callbacks each process runs (printing and file writing on rank 0 only)."""

from __future__ import annotations

import torch
from torch.nn.parallel import DistributedDataParallel

from sloi import callbacks as callbacks_mod

# Callbacks that write files: rank 0 runs them, the other processes leave them out (and wait
# for rank 0 at the barrier that ends each epoch).
_WRITERS = (callbacks_mod.ModelCheckpoint, callbacks_mod.CSVLogger)


def check_model(model) -> None:
    """Refuse what data parallelism cannot do right: stateful RNNs keep state from one batch to
    the next of *their* process, which no longer follows the sample order of one process."""
    for module in model.modules():
        if getattr(module, "stateful", False) is True:
            raise ValueError(
                f'Layer "{getattr(module, "name", type(module).__name__)}" is stateful: stateful '
                "RNNs cannot be trained under distribution (each process sees a different share "
                "of every batch, so the carried state would not follow the sequences); use "
                "stateful=False or train in one process")


def wrap(model, x) -> DistributedDataParallel:
    """``model`` inside ``DistributedDataParallel`` for the training forward and backward. A
    model without weights yet is first built on ``x`` (in eval mode and without gradients, so
    that no running statistic moves). DDP copies rank 0's weights to every process here."""
    if next(iter(model.parameters()), None) is None:
        was_training = model.training
        model.eval()
        with torch.no_grad():
            model(x)
        model.train(was_training)
    device = next(model.parameters()).device
    ids = [device.index] if device.type == "cuda" else None
    return DistributedDataParallel(model, device_ids=ids)


class _RestoreOnly(callbacks_mod.Callback):
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


def worker_callbacks(cbs: list, strategy) -> list:
    """The callbacks this process runs: all on rank 0; elsewhere no printing and no writing."""
    if strategy.is_chief:
        return cbs
    kept = []
    for cb in cbs:
        if isinstance(cb, callbacks_mod.ProgbarLogger) or isinstance(cb, _WRITERS):
            continue
        if isinstance(cb, callbacks_mod.BackupAndRestore):
            kept.append(_RestoreOnly(cb))
            continue
        kept.append(cb)
    return kept
