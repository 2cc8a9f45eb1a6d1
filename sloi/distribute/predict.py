"""``predict`` under distribution: each process predicts a contiguous share of the samples,
then the shares are gathered, so that every process returns all the predictions in the order
of the input, as one process would.

``batch_size`` is the global batch, as in ``fit``: each process predicts batches of
``ceil(batch_size / world_size)`` samples. Predictions do not depend on how samples are
batched, so the result equals one process's to float rounding.
"""

from __future__ import annotations

import math

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, SequentialSampler, Subset

from sloi.distribute.data import arrays_only
from sloi.engine import tree
from sloi.training import data_adapters
from sloi.training.py_dataset import PyDataset


class Share:
    """This process's part of predict's input: ``adapter`` yields its batches; ``sharded`` is
    False when every process predicts everything (fewer samples than processes)."""

    def __init__(self, adapter, sharded: bool):
        self.adapter = adapter
        self.sharded = sharded

    def __len__(self):
        return len(self.adapter)

    def __iter__(self):
        return iter(self.adapter)


def _bounds(n: int, rank: int, world_size: int) -> tuple[int, int]:
    """The contiguous share of ``n`` samples of process ``rank`` (sizes differ by one at most,
    the larger first, as ``torch.tensor_split``)."""
    small, extra = divmod(n, world_size)
    start = rank * small + min(rank, extra)
    return start, start + small + (rank < extra)


def share(x, batch_size, device, steps, rank: int, world_size: int) -> Share:
    """``data_adapters.adapt(x)`` for predict, cut to this process's share of the samples.

    Arrays (and dicts / lists of them), a ``torch.utils.data.Dataset`` and a ``DataLoader``
    that reads its dataset in order are shared; generators and ``PyDataset`` are refused, as
    in ``fit``. ``steps`` limits the global batches, as in one process.
    """
    if isinstance(x, PyDataset):
        raise ValueError("PyDataset is not supported under distribution (each process would "
                         "read every batch); pass arrays or a torch.utils.data.Dataset")
    if isinstance(x, DataLoader):
        return _share_loader(x, device, steps, rank, world_size)
    if isinstance(x, Dataset):
        loader = DataLoader(x, batch_size=batch_size or 32)
        return _share_loader(loader, device, steps, rank, world_size)
    full = arrays_only(data_adapters.adapt(x, None, None, batch_size, False, device, None), x,
                       "predicted on")
    n = full.size if steps is None else min(full.size, steps * full.batch_size)
    if n < world_size:
        full.steps = steps
        return Share(full, sharded=False)
    start, stop = _bounds(n, rank, world_size)
    mine = tree.map_structure(lambda t: t[start:stop], full.data[0])
    per_rank = math.ceil(full.batch_size / world_size)
    return Share(data_adapters.ArrayAdapter(mine, None, None, per_rank, False, device), True)


def _share_loader(loader: DataLoader, device, steps, rank: int, world_size: int) -> Share:
    if loader.batch_size is None or not isinstance(loader.sampler, SequentialSampler):
        raise ValueError(
            "Under distribution predict shares a DataLoader's dataset in order: it needs a "
            "batch_size and the default sequential sampler (shuffle=False, no sampler or "
            "batch_sampler)")
    if loader.drop_last:
        raise ValueError("Under distribution predict shares every sample of a DataLoader: "
                         "drop_last=True is not supported")
    n = len(loader.dataset)
    n = n if steps is None else min(n, steps * loader.batch_size)
    if n < world_size:
        return Share(data_adapters.IterableAdapter(loader, steps, device), sharded=False)
    start, stop = _bounds(n, rank, world_size)
    mine = DataLoader(Subset(loader.dataset, range(start, stop)),
                      batch_size=math.ceil(loader.batch_size / world_size),
                      collate_fn=loader.collate_fn, num_workers=loader.num_workers,
                      pin_memory=loader.pin_memory)
    return Share(data_adapters.IterableAdapter(mine, None, device), sharded=True)


def gather(flat: list[torch.Tensor]) -> list[torch.Tensor]:
    """Every process's predictions of each output, concatenated in rank order (the order of
    the samples). One all-gather of the share sizes, then one per output; shares are padded to
    the largest, as ``all_gather`` wants equal shapes."""
    world_size = dist.get_world_size()
    device = flat[0].device
    size = torch.tensor([flat[0].shape[0]], device=device)
    sizes = [torch.empty_like(size) for _ in range(world_size)]
    dist.all_gather(sizes, size)
    sizes = [int(s) for s in sizes]
    largest = max(sizes)
    gathered = []
    for t in flat:
        # gloo has no all-gather of booleans: sent as bytes, turned back after
        sent = t.to(torch.uint8) if t.dtype == torch.bool else t.contiguous()
        if sent.shape[0] < largest:
            pad = sent.new_zeros((largest - sent.shape[0], *sent.shape[1:]))
            sent = torch.cat([sent, pad])
        parts = [torch.empty_like(sent) for _ in range(world_size)]
        dist.all_gather(parts, sent)
        whole = torch.cat([p[:s] for p, s in zip(parts, sizes)])
        gathered.append(whole.to(torch.bool) if t.dtype == torch.bool else whole)
    return gathered
