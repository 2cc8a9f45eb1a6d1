"""Each process's share of the data, following Keras's convention: ``batch_size`` is the
GLOBAL batch, split evenly across the processes (as Keras's distribution API splits it across
replicas). Every process walks the same global batches in the same order and keeps its slice,
so N processes take exactly the optimizer steps one process would take on the same batches.
"""

from __future__ import annotations

import warnings

import torch
import torch.distributed as dist
from torch.utils.data import DataLoader, Dataset, DistributedSampler, RandomSampler

from sloi.engine import tree
from sloi.training import data_adapters
from sloi.training.py_dataset import PyDataset


class ShardedArrays:
    """Arrays cut into global batches (one shuffle order, drawn on rank 0 and broadcast), of
    which this process keeps its contiguous part (``torch.tensor_split`` by rank)."""

    def __init__(self, adapter: data_adapters.ArrayAdapter, rank: int, world_size: int):
        self.adapter = adapter
        self.rank = rank
        self.world_size = world_size
        self._warned = False

    def __len__(self) -> int:
        return len(self.adapter)

    def _order(self):
        a = self.adapter
        if not a.shuffle:
            return None
        if a.shuffle == "batch":
            blocks = list(torch.arange(a.size, device=a.device).split(a.batch_size))
            perm = torch.randperm(len(blocks), device=a.device)
            dist.broadcast(perm, 0)
            return torch.cat([blocks[i] for i in perm.tolist()])
        order = torch.randperm(a.size, device=a.device)
        dist.broadcast(order, 0)  # every process must cut the same global batches
        return order

    def __iter__(self):
        a = self.adapter
        order = self._order()
        for b in range(len(self)):
            start, stop = b * a.batch_size, min((b + 1) * a.batch_size, a.size)
            if stop - start < self.world_size:
                # A share would be empty, and an empty forward/backward breaks DDP.
                if not self._warned:
                    warnings.warn(f"The last global batch holds {stop - start} samples, fewer "
                                  f"than the {self.world_size} processes: it is skipped.")
                    self._warned = True
                return
            idx = torch.arange(start, stop, device=a.device) if order is None else (
                order[start:stop])
            mine = torch.tensor_split(idx, self.world_size)[self.rank]
            yield tree.map_structure(
                lambda t, i=mine: None if t is None else t.index_select(0, i), a.data)


class ShardedLoader:
    """A ``DataLoader`` over ``dataset`` whose ``DistributedSampler`` gives this process its
    share; ``set_epoch`` each epoch so that the shuffle changes from epoch to epoch."""

    def __init__(self, dataset, per_rank_batch: int, shuffle: bool, device, steps, template=None):
        self.sampler = DistributedSampler(dataset, shuffle=shuffle)
        kwargs = {}
        if template is not None:
            kwargs = {"collate_fn": template.collate_fn, "num_workers": template.num_workers,
                      "pin_memory": template.pin_memory, "drop_last": template.drop_last}
        loader = DataLoader(dataset, batch_size=per_rank_batch, sampler=self.sampler, **kwargs)
        self.inner = data_adapters.IterableAdapter(loader, steps, device)
        self.exhausted = False
        self._epoch = 0

    def __len__(self):
        return len(self.inner)

    def __iter__(self):
        self.sampler.set_epoch(self._epoch)
        self._epoch += 1
        yield from self.inner


def shard(x, y, sample_weight, batch_size, shuffle, device, steps, rank, world_size):
    """``data_adapters.adapt`` for one process among ``world_size``."""
    if isinstance(x, DataLoader):
        data_adapters.adapt(x, y, sample_weight)  # same argument checks as one process
        if x.batch_size is None:
            raise ValueError("Under distribution a DataLoader needs a batch_size (the global "
                             "batch, split across processes); got one with a batch_sampler")
        per_rank = _per_rank(x.batch_size, world_size, "the DataLoader's batch_size")
        return ShardedLoader(x.dataset, per_rank, isinstance(x.sampler, RandomSampler), device,
                             steps, template=x)
    if isinstance(x, PyDataset):
        raise ValueError("PyDataset is not supported under distribution (each process would read "
                         "every batch); pass a torch.utils.data.Dataset, which a "
                         "DistributedSampler shards")
    if isinstance(x, Dataset):
        data_adapters.adapt(x, y, sample_weight)
        per_rank = _per_rank(batch_size or 32, world_size, "batch_size")
        return ShardedLoader(x, per_rank, bool(shuffle), device, steps)
    adapter = arrays_only(
        data_adapters.adapt(x, y, sample_weight, batch_size, shuffle, device, steps), x,
        "trained on")
    return ShardedArrays(adapter, rank, world_size)


def arrays_only(adapter, x, doing: str):
    """``adapter`` when it holds arrays; generators and iterators are refused (``doing``:
    "trained on", "predicted on")."""
    if not isinstance(adapter, data_adapters.ArrayAdapter):
        raise ValueError(
            f"Python generators and iterators ({type(x).__name__}) cannot be {doing} under "
            "distribution: sloi cannot give each process its own share of them. Pass arrays, "
            "a torch.utils.data.Dataset or a DataLoader")
    return adapter


def _per_rank(batch_size: int, world_size: int, what: str) -> int:
    if batch_size % world_size:
        raise ValueError(f"Under distribution {what} is the global batch, split evenly across "
                         f"the {world_size} processes; got {batch_size}, which does not divide")
    return batch_size // world_size
