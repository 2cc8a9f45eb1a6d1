"""``DataParallel``: data-parallel training on PyTorch's own engine (``torch.distributed``).

Every process (one per GPU, or several on CPU) holds a whole copy of the model; each trains on
its share of every global batch and ``DistributedDataParallel`` averages the gradients, so the
copies stay equal. The processes are started by ``torchrun`` (or any launcher that sets
``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR`` and ``MASTER_PORT``).
"""

from __future__ import annotations

import os

import torch
import torch.distributed as dist

from sloi.distribute import data as distributed_data
from sloi.distribute import ddp, reduce, stopping, worker_callbacks
from sloi.distribute import predict as distributed_predict
from sloi.training import strategy as training_strategy


class DataParallel(training_strategy.Strategy):
    """The data-parallel strategy of this process.

    Creating it joins the process group that the launcher describes in the environment
    (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``; ``LOCAL_RANK`` picks the GPU),
    unless ``torch.distributed`` is initialized already, and makes it the strategy that
    ``fit`` / ``evaluate`` / ``predict`` follow while the group has more than one process. The
    backend is NCCL when CUDA is available and gloo otherwise. In a group of several
    processes, training without a ``DataParallel`` raises (a process must not train alone).

    Args:
        backend: ``"gloo"``, ``"nccl"`` or None (chosen from the device).
        timeout: seconds a collective waits for the other processes before failing.
        sync_batchnorm: False (the default, as in Keras and torch): each ``BatchNormalization``
            layer normalizes by the statistics of its process's share of the batch. True: by
            those of the global batch (sums all-reduced over the processes at every training
            forward, gradients included), so N processes train as one would on the same
            global batches. The strategy created last is the one ``fit`` follows.

    Example:
        >>> # torchrun --nproc_per_node=2 train.py
        >>> strategy = sloi.distribute.DataParallel()
        >>> model.fit(x, y, batch_size=64)   # 64 = the global batch: 32 on each process
    """

    single_process = False

    def __init__(self, backend=None, timeout=None, sync_batchnorm=False):
        if not dist.is_available():
            raise RuntimeError("DataParallel needs torch.distributed, which this torch build "
                               "lacks")
        if not dist.is_initialized():
            missing = [k for k in ("RANK", "WORLD_SIZE", "MASTER_ADDR", "MASTER_PORT")
                       if k not in os.environ]
            if missing:
                raise RuntimeError(
                    f"DataParallel: the environment variables {missing} are not set; start the "
                    "script with torchrun (torchrun --nproc_per_node=N script.py) or call "
                    "torch.distributed.init_process_group yourself first")
            cuda = torch.cuda.is_available()
            backend = backend or ("nccl" if cuda else "gloo")
            if cuda and backend == "nccl":
                torch.cuda.set_device(int(os.environ.get("LOCAL_RANK", 0)))
            kwargs = {}
            if timeout is not None:
                import datetime

                kwargs["timeout"] = datetime.timedelta(seconds=timeout)
            dist.init_process_group(backend=backend, **kwargs)
        self.sync_batchnorm = bool(sync_batchnorm)
        training_strategy.choose(self)

    @property
    def rank(self) -> int:
        return dist.get_rank()

    @property
    def world_size(self) -> int:
        return dist.get_world_size()

    @property
    def is_chief(self) -> bool:
        """True on rank 0: the process that prints and writes files."""
        return self.rank == 0

    @property
    def device(self) -> torch.device:
        """This process's device: its GPU (``LOCAL_RANK``) under NCCL, else the CPU."""
        if dist.get_backend() == "nccl":
            return torch.device("cuda", torch.cuda.current_device())
        return torch.device("cpu")

    def barrier(self) -> None:
        """Wait until every process gets here."""
        dist.barrier()

    def __repr__(self):
        return (f"<DataParallel rank={self.rank} world_size={self.world_size} "
                f"sync_batchnorm={self.sync_batchnorm}>")

    # ------------------------------------------------------------------ the loops' calls
    def check_model(self, model) -> None:
        ddp.check_model(model)

    def adapt(self, x, y, sample_weight, batch_size, shuffle, device, steps):
        """This process's share of every global batch of ``x`` / ``y``."""
        return distributed_data.shard(x, y, sample_weight, batch_size, shuffle, device, steps,
                                      self.rank, self.world_size)

    def predict_data(self, model, x, batch_size, device, steps):
        """This process's contiguous share of predict's samples (all of them for a stateful
        model, whose state must follow every batch)."""
        if any(getattr(m, "stateful", False) is True for m in model.modules()):
            return super().predict_data(model, x, batch_size, device, steps)
        return distributed_predict.share(x, batch_size, device, steps, self.rank,
                                         self.world_size)

    def gather_predictions(self, data, flat: list) -> list:
        """Each output's predictions of every process, in the input's order, when ``data``
        was shared out by ``predict_data``."""
        if not getattr(data, "sharded", False):
            return flat
        return distributed_predict.gather(flat)

    def callbacks(self, trainer, callbacks: list) -> list:
        return worker_callbacks.callbacks_here(trainer, callbacks, self.is_chief)

    def training_module(self, model, x, previous=None) -> torch.nn.Module:
        """``model`` inside ``DistributedDataParallel`` (the one of an earlier loop, when
        ``previous`` is it, following this strategy's ``sync_batchnorm``)."""
        if isinstance(previous, ddp.SyncedDDP) and previous.module is model:
            previous.sync_layers = ddp.sync_layers(model, self.sync_batchnorm)
            return previous
        return ddp.wrap(model, x, self.sync_batchnorm)

    def results(self, trainer) -> dict:
        """The running loss and metrics summed over the processes (a collective read)."""
        return reduce.global_results(trainer)

    def end_of_epoch(self, model) -> None:
        """The processes meet (the others wait while rank 0 writes its files) and agree on
        ``stop_training``: one all-reduce that is also the barrier, so a callback that stopped
        one process at the end of the epoch stops them all."""
        stopping.stop_anywhere(model)

    def end_of_fit(self) -> None:
        self.barrier()


def current():
    """The strategy in force: a ``DataParallel`` when ``torch.distributed`` is initialized with
    more than one process (the one created last, or a new one for a process group the script
    initialized itself), else None (single-process training, unchanged)."""
    if training_strategy.process_count() > 1:
        chosen = training_strategy.chosen()
        return chosen if isinstance(chosen, DataParallel) else DataParallel()
    return None
