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


class DataParallel:
    """The data-parallel strategy of this process.

    Creating it joins the process group that the launcher describes in the environment
    (``RANK``, ``WORLD_SIZE``, ``MASTER_ADDR``, ``MASTER_PORT``; ``LOCAL_RANK`` picks the GPU),
    unless ``torch.distributed`` is initialized already. The backend is NCCL when CUDA is
    available and gloo otherwise. Once the group exists with more than one process,
    ``fit`` / ``evaluate`` use it on their own: naming the strategy is optional.

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

    def __init__(self, backend=None, timeout=None, sync_batchnorm=False):
        global _active
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
        _active = self

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


# The DataParallel created last in this process: its options are the ones training follows.
_active = None


def current():
    """The strategy in force: a ``DataParallel`` when ``torch.distributed`` is initialized with
    more than one process (the one created last, or a default one for a process group the
    script initialized itself), else None (single-process training, unchanged)."""
    if dist.is_available() and dist.is_initialized() and dist.get_world_size() > 1:
        return _active if _active is not None else DataParallel()
    return None
