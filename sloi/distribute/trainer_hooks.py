"""What ``Trainer`` calls for data-parallel training, so that its loop stays the one-process
loop with a few thin calls: the process's share of the data, the callbacks it runs, the DDP
wrapper (with synchronized batch norm), global results, the stop agreement at the end of an
epoch, and sharded predict. With one process (``trainer._strategy`` None) each call is the
single-process path or does nothing, with no collective.
"""

from __future__ import annotations

import torch
from torch.nn.parallel import DistributedDataParallel

from sloi import callbacks as callbacks_mod
from sloi import distribute
from sloi.distribute import data as distributed_data
from sloi.distribute import predict as distributed_predict
from sloi.distribute import reduce, stopping
from sloi.layers import BatchNormalization
from sloi.training import data_adapters
from sloi.training.modes import modes

# Callbacks that write files: rank 0 runs them, the other processes leave them out (and wait
# for rank 0 at the barrier that ends each epoch).
_WRITERS = (callbacks_mod.ModelCheckpoint, callbacks_mod.CSVLogger, callbacks_mod.TensorBoard)


def use_strategy(trainer):
    """The strategy ``fit`` / ``evaluate`` / ``predict`` follow now (None in one process),
    after checking the model trains right under it and passing on its batch-norm option."""
    strategy = distribute.current()
    if strategy is None:
        trainer._ddp = None
        return None
    check_model(trainer.model)
    if trainer._ddp is not None:
        trainer._ddp.sync_layers = _sync_layers(trainer.model, strategy)
    return strategy


def adapt(x, y, sw, batch_size, shuffle, device, steps):
    """``data_adapters.adapt``, or this process's share of the data under distribution."""
    strategy = distribute.current()
    if strategy is None:
        return data_adapters.adapt(x, y, sw, batch_size, shuffle, device, steps)
    return distributed_data.shard(x, y, sw, batch_size, shuffle, device, steps,
                                  strategy.rank, strategy.world_size)


def global_results(trainer) -> dict:
    """The running loss and metrics summed over the processes (a collective read)."""
    return reduce.global_results(trainer)


def end_of_epoch(trainer) -> None:
    """Under distribution, the processes meet (the others wait while rank 0 writes its files)
    and agree on ``stop_training``: one all-reduce that is also the barrier, so a callback
    that stopped one process at the end of the epoch stops them all."""
    if trainer._strategy is not None:
        stopping.stop_anywhere(trainer.model)


def end_of_fit(trainer) -> None:
    if trainer._strategy is not None:
        trainer._strategy.barrier()


def predict_data(trainer, x, batch_size, device, steps):
    """predict's batches: under distribution, this process's contiguous share of them (the
    whole input for a stateful model, whose state must follow every batch)."""
    strategy = distribute.current()
    if strategy is None or any(getattr(m, "stateful", False) is True
                               for m in trainer.model.modules()):
        return data_adapters.adapt(x, None, None, batch_size, False, device, steps)
    return distributed_predict.share(x, batch_size, device, steps, strategy.rank,
                                     strategy.world_size)


def gather_predictions(data, flat: list) -> list:
    """Each output's predictions of every process, in the input's order, when ``data`` was
    shared out by ``predict_data``; else ``flat`` as it is."""
    if not getattr(data, "sharded", False):
        return flat
    return distributed_predict.gather(flat)


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
        with modes(model, training=False), torch.no_grad():
            model(x)
    device = next(model.parameters()).device
    ids = [device.index] if device.type == "cuda" else None
    ddp = _SyncedDDP(model, device_ids=ids)
    ddp.sync_layers = _sync_layers(model, distribute.current())
    return ddp


def _sync_layers(model, strategy) -> list:
    """The BatchNormalization layers whose statistics cover the global batch: all of them
    with ``sync_batchnorm=True``, else those built with ``synchronized=True``."""
    if strategy is None:
        return []
    return [m for m in model.modules() if isinstance(m, BatchNormalization)
            and (strategy.sync_batchnorm or m.synchronized)]


class _SyncedDDP(DistributedDataParallel):
    """DDP whose forward (the training one: evaluation and predict call the model itself) lets
    ``sync_layers``, the ``BatchNormalization`` layers under ``sync_batchnorm=True``, compute
    their batch statistics over the process group: every process runs this forward, so the
    all-reduce inside the layers always finds its partners."""

    sync_layers: list = []

    def forward(self, *inputs, **kwargs):
        if not self.sync_layers:
            return super().forward(*inputs, **kwargs)
        for layer in self.sync_layers:
            layer._stats_group = self.process_group
        try:
            return super().forward(*inputs, **kwargs)
        finally:
            for layer in self.sync_layers:
                layer._stats_group = None


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


def callbacks_here(trainer, cbs: list) -> list:
    """Every callback in one process. Under distribution, those ``worker_callbacks`` keeps,
    ``TerminateOnNaN`` judging the global loss, and last the agreement that stops every process
    at the same batch."""
    strategy = distribute.current()
    if strategy is None:
        return cbs
    kept = [stopping.GlobalTerminateOnNaN(cb, trainer)
            if isinstance(cb, callbacks_mod.TerminateOnNaN) else cb
            for cb in worker_callbacks(cbs, strategy)]
    return kept + [stopping.StopAgreement(kept)]


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
