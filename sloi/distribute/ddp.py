"""The model inside ``DistributedDataParallel`` for data-parallel training steps, with the
``BatchNormalization`` layers that compute their statistics over the global batch."""

from __future__ import annotations

import torch
from torch.nn.parallel import DistributedDataParallel

from sloi.layers import BatchNormalization
from sloi.training.modes import modes


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


def wrap(model, x, sync_batchnorm: bool) -> SyncedDDP:
    """``model`` inside ``DistributedDataParallel`` for the training forward and backward. A
    model without weights yet is first built on ``x`` (in eval mode and without gradients, so
    that no running statistic moves). DDP copies rank 0's weights to every process here."""
    if next(iter(model.parameters()), None) is None:
        with modes(model, training=False), torch.no_grad():
            model(x)
    device = next(model.parameters()).device
    ids = [device.index] if device.type == "cuda" else None
    ddp = SyncedDDP(model, device_ids=ids)
    ddp.sync_layers = sync_layers(model, sync_batchnorm)
    return ddp


def sync_layers(model, sync_batchnorm: bool) -> list:
    """The BatchNormalization layers whose statistics cover the global batch: all of them
    with ``sync_batchnorm=True``, else those built with ``synchronized=True``."""
    return [m for m in model.modules() if isinstance(m, BatchNormalization)
            and (sync_batchnorm or m.synchronized)]


class SyncedDDP(DistributedDataParallel):
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
