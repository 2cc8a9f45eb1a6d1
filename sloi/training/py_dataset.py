"""``PyDataset``: Keras's ``Sequence``, a dataset that hands out whole batches by index."""

from __future__ import annotations


class PyDataset:
    """Subclass it with ``__len__`` (the number of batches) and ``__getitem__(index)`` (the
    batch: ``x``, ``(x, y)`` or ``(x, y, sample_weight)``); ``on_epoch_begin`` runs before each
    epoch's batches are read and ``on_epoch_end`` after them (reshuffle there if you like).

    Args:
        workers, use_multiprocessing, max_queue_size: accepted for Keras compatibility; batches
            are read in the training process.
    """

    def __init__(self, workers=1, use_multiprocessing=False, max_queue_size=10):
        self.workers = workers
        self.use_multiprocessing = use_multiprocessing
        self.max_queue_size = max_queue_size

    def __len__(self) -> int:
        raise NotImplementedError(f"{type(self).__name__} must define __len__")

    def __getitem__(self, index):
        raise NotImplementedError(f"{type(self).__name__} must define __getitem__")

    def on_epoch_begin(self) -> None:
        pass

    def on_epoch_end(self) -> None:
        pass

    @property
    def num_batches(self):
        return len(self)


Sequence = PyDataset  # Keras 2's name
