"""Data-parallel training on ``torch.distributed`` (DDP), launched by ``torchrun``.

``DataParallel()`` joins the process group described by the launcher's environment (gloo on
CPU, NCCL on GPU) and becomes the strategy of ``fit``, ``evaluate`` and ``predict`` (it
subclasses the training floor's one-process ``Strategy``): the model trains inside
``DistributedDataParallel``, ``batch_size`` is the global batch split across the processes
(Keras's convention), losses and metrics are summed over the processes so every rank reports
global numbers, only rank 0 prints and writes files, every process stops at the same batch, and
``predict`` shares the samples out and gathers the predictions.
``DataParallel(sync_batchnorm=True)`` normalizes over the global batch. See
docs/distributed.md.
"""

from sloi.distribute.strategy import DataParallel, current

__all__ = ["DataParallel", "current"]
