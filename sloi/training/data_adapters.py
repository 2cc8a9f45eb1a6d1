"""Whatever ``fit`` is given, as batches of tensors on the model's device.

- arrays: numpy arrays, torch tensors, lists / tuples / dicts of them. Moved to the device once,
  shuffled each epoch by one permutation, cut into batches by indexing.
- Python generators and iterators yielding ``x``, ``(x, y)`` or ``(x, y, sample_weight)``.
- ``torch.utils.data.Dataset`` (batched by a DataLoader) and ``DataLoader`` itself.
- ``PyDataset`` (Keras's ``Sequence``): ``len()`` batches, ``dataset[i]`` the i-th.

Strings (for a model that starts with ``Input(dtype="string")``) have no torch dtype: lists of
str become numpy arrays, and string arrays stay numpy arrays on the host, cut into batches by
the same slices and permutations as the tensors beside them; the model's string stage reads
them (``sloi/engine/string_inputs.py``).
"""

from __future__ import annotations

import itertools
import math
import warnings

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from sloi.engine import tree
from sloi.engine.string_inputs import is_string_data, to_host_strings
from sloi.training.py_dataset import PyDataset


def to_tensor(x, device=None):
    """numpy / lists / tensors to a tensor on ``device``; float64 becomes float32 as in Keras.
    Strings stay a numpy array on the host (torch has no string tensors)."""
    if isinstance(x, torch.Tensor):
        t = x
    elif isinstance(x, np.ndarray):
        if is_string_data(x):
            return x
        if x.dtype == object:
            raise TypeError("sloi cannot train on numpy arrays of dtype object (strings or "
                            "ragged lists): convert them to numbers of one shape first")
        t = torch.from_numpy(np.ascontiguousarray(x))
    else:
        if is_string_data(x):
            return np.asarray(x)
        t = torch.as_tensor(np.asarray(x))
    if t.dtype == torch.float64:
        t = t.float()
    return t.to(device, non_blocking=True) if device is not None and t.device != device else t


def unpack(batch):
    """``(x, y, sample_weight)`` from a batch given as ``x``, ``(x,)``, ``(x, y)`` or
    ``(x, y, sample_weight)``."""
    if isinstance(batch, tuple):
        if len(batch) == 1:
            return batch[0], None, None
        if len(batch) == 2:
            return batch[0], batch[1], None
        if len(batch) == 3:
            return batch
        raise ValueError(f"A batch must be x, (x, y) or (x, y, sample_weight); got a tuple of "
                         f"{len(batch)} items")
    return batch, None, None


def num_samples(structure, role: str) -> int:
    lengths = {len(a) for a in tree.flatten(structure) if a is not None}
    if len(lengths) > 1:
        raise ValueError(f"All arrays in {role} must have the same number of samples; got "
                         f"lengths {sorted(lengths)}")
    return lengths.pop()


class ArrayAdapter:
    """Arrays held whole on the device, cut into batches."""

    def __init__(self, x, y=None, sample_weight=None, batch_size=32, shuffle=True,
                 device=None, steps=None):
        n = num_samples(x, "x")
        for role, value in (("y", y), ("sample_weight", sample_weight)):
            if value is not None and num_samples(value, role) != n:
                raise ValueError(
                    f"x and {role} must have the same number of samples; x has {n}, {role} "
                    f"has {num_samples(value, role)}"
                )
        self.size = n
        self.batch_size = int(batch_size or 32)
        self.shuffle = shuffle
        self.steps = steps
        self.device = device
        self.data = tree.map_structure(
            lambda a: None if a is None else to_tensor(a, device), (x, y, sample_weight))

    def __len__(self) -> int:
        full = math.ceil(self.size / self.batch_size)
        return min(full, self.steps) if self.steps else full

    @property
    def num_batches(self) -> int:
        return len(self)

    def __iter__(self):
        if self.shuffle:
            order = torch.randperm(self.size, device=self.device)
            if self.shuffle == "batch":  # shuffle whole batches, keep each batch in order
                order = torch.arange(self.size, device=self.device)
                blocks = list(order.split(self.batch_size))
                order = torch.cat([blocks[i] for i in torch.randperm(len(blocks)).tolist()])

            def take(a, i):
                if isinstance(a, np.ndarray):  # strings: the same samples, on the host
                    return a[i.cpu().numpy()]
                return a.index_select(0, i)
        else:
            order = None
        # x, y and sample_weight each a tensor or None (the common case): cut them directly,
        # without walking a structure each step (a few microseconds a step on small models)
        plain = all(a is None or isinstance(a, torch.Tensor) for a in self.data)
        x, y, sw = self.data  # spelled out below: a generator over them costs 4 resumptions
        for b in range(len(self)):
            start, stop = b * self.batch_size, min((b + 1) * self.batch_size, self.size)
            if order is None:
                if plain:
                    yield (None if x is None else x[start:stop],
                           None if y is None else y[start:stop],
                           None if sw is None else sw[start:stop])
                    continue
                batch = tree.map_structure(
                    lambda a, s=start, e=stop: None if a is None else a[s:e], self.data)
            else:
                idx = order[start:stop]
                if plain:
                    yield tuple(None if a is None else take(a, idx) for a in self.data)
                    continue
                batch = tree.map_structure(
                    lambda a, i=idx: None if a is None else take(a, i), self.data)
            yield batch


RAN_OUT = ("Your input ran out of data; interrupting training. Make sure that your dataset or "
           "generator can generate at least `steps_per_epoch * epochs` batches. You may need to "
           "use the `.repeat()` function when building your dataset.")


class IterableAdapter:
    """Generators, iterators, DataLoaders and PyDatasets: each epoch reads ``steps`` batches,
    or, without ``steps``, until the data ends.

    Data of unknown length (a generator, an iterable without ``__len__``) has no
    ``num_batches`` until one pass has ended; then it has the count seen. A one-shot iterator
    (a generator) cannot start over: as in Keras, which peeks at its first two batches, every
    pass after the first gives those two again and then whatever the iterator still has. With
    ``steps``, the epochs continue one iterator; when it runs dry before ``steps`` batches, the
    epoch ends and the next epoch starts a new pass. A pass that ends by running out gives
    Keras's warning, as Keras does. ``exhausted`` says that an epoch found no batch at all:
    training ends there (Keras runs such epochs empty, with no history).
    """

    _PEEKED = 2  # the batches Keras keeps of a one-shot iterator (its spec inference)

    def __init__(self, data, steps=None, device=None, shuffle=False):
        self.source = data
        self.steps = steps
        self.device = device
        self.shuffle = shuffle
        self.reusable = isinstance(data, (DataLoader, PyDataset)) or (
            hasattr(data, "__iter__") and not hasattr(data, "__next__"))
        self._iterator = None  # the current pass
        self._source_iterator = None  # a one-shot source's own iterator, made once
        self._peeked: list = []
        self._first = None  # the first batch, whose structure every other batch must have
        self._seen = None  # the count of one whole pass, once known
        self.exhausted = False

    @property
    def num_batches(self):
        """The number of batches an epoch reads; None while unknown."""
        if self.steps is not None:
            return self.steps
        if isinstance(self.source, PyDataset):
            return self.source.num_batches if self._seen is None else self._seen
        if hasattr(self.source, "__len__"):
            try:
                return len(self.source)
            except TypeError:  # a DataLoader over an IterableDataset has no length
                pass
        return self._seen

    def __len__(self) -> int:
        count = self.num_batches
        if count is None:
            raise TypeError("data of unknown length (a generator or an iterable without "
                            "__len__) has no len() before one pass has ended")
        return count

    def _new_pass(self):
        if isinstance(self.source, PyDataset) and self.source.num_batches is None:
            # a PyDataset of unknown length: batch after batch across the epochs, as in Keras,
            # until its __getitem__ raises IndexError
            if self._source_iterator is None:
                self._source_iterator = itertools.count()
            return _batches_until_index_error(self.source, self._source_iterator)
        if isinstance(self.source, PyDataset):
            order = list(range(len(self.source)))
            if self.shuffle:
                order = [order[i] for i in torch.randperm(len(order)).tolist()]
            return (self.source[i] for i in order)
        if self.reusable:
            return iter(self.source)
        if self._source_iterator is None:
            self._source_iterator = iter(self.source)
            return self._peeking(self._source_iterator)
        return itertools.chain(list(self._peeked), self._source_iterator)

    def _peeking(self, iterator):
        for batch in iterator:
            if len(self._peeked) < self._PEEKED:
                self._peeked.append(batch)
            yield batch

    def __iter__(self):
        if isinstance(self.source, PyDataset):  # Keras calls both around every epoch's batches
            self.source.on_epoch_begin()
        if self._iterator is None or self.steps is None:
            self._iterator = self._new_pass()
        # as Keras: a pass reads the batches it knows of (steps, the length, or the count of
        # the first pass); only data that runs out before that, or of unknown length, warns
        limit = self.num_batches
        count = 0
        while limit is None or count < limit:
            try:
                batch = next(self._iterator)
            except StopIteration:
                self._iterator = None
                self.exhausted = count == 0
                if self.steps is None and self._seen is None:
                    self._seen = count
                # Keras says so whenever a pass ends by running out, its natural end included
                warnings.warn(RAN_OUT, stacklevel=2)
                break
            batch = to_host_strings(batch)  # text_dataset_from_directory's lists of str
            if isinstance(batch, list) and len(batch) in (2, 3) and not isinstance(
                    self.source, PyDataset):
                batch = tuple(batch)  # DataLoaders collate tuples into lists
            self._first = _check_structure(batch, self._first, count)
            x, y, sw = unpack(batch)
            yield tree.map_structure(
                lambda a: None if a is None else to_tensor(a, self.device), (x, y, sw))
            count += 1
        if isinstance(self.source, PyDataset):
            self.source.on_epoch_end()


def _batches_until_index_error(dataset, indices):
    for i in indices:
        try:
            batch = dataset[i]
        except IndexError:
            return
        yield batch


def _structure(batch) -> str:
    """A batch's structure for messages: ``(array(4, 3), array(4, 1))``."""
    def describe(a):
        shape = getattr(a, "shape", None)
        return f"array{tuple(shape)}" if shape is not None else type(a).__name__
    if isinstance(batch, tuple):
        inner = ", ".join(_structure(b) for b in batch)
        return f"({inner},)" if len(batch) == 1 else f"({inner})"
    if isinstance(batch, list):
        return "[" + ", ".join(_structure(b) for b in batch) + "]"
    if isinstance(batch, dict):
        return "{" + ", ".join(f"{k!r}: {_structure(v)}" for k, v in batch.items()) + "}"
    return describe(batch)


def _skeleton(batch):
    """The nesting of a batch without its values: what must stay the same from step to step."""
    if isinstance(batch, (tuple, list)):
        return (type(batch).__name__, tuple(_skeleton(b) for b in batch))
    if isinstance(batch, dict):
        return ("dict", tuple((k, _skeleton(v)) for k, v in sorted(batch.items(), key=str)))
    return "leaf" if batch is not None else None


def _check_structure(batch, first, step):
    """The first batch (kept to compare with); a later batch of another structure raises."""
    if first is None:
        return batch
    if _skeleton(batch) != _skeleton(first):
        raise ValueError(
            f"The data yielded batches of different structures: step 0 gave {_structure(first)}, "
            f"step {step} gave {_structure(batch)}. Every batch must have the structure of the "
            "first (x, (x, y) or (x, y, sample_weight))."
        )
    return first


def num_batches(data):
    """The number of batches an epoch of ``data`` (an adapter) reads; None while unknown."""
    count = getattr(data, "num_batches", None)
    return count if count is not None or hasattr(data, "num_batches") else len(data)


def adapt(x, y=None, sample_weight=None, batch_size=32, shuffle=True, device=None,
          steps=None):
    """The right adapter for ``x``."""
    x = to_host_strings(x)
    if isinstance(x, PyDataset) or isinstance(x, DataLoader):
        _no_targets(y, sample_weight, type(x).__name__)
        return IterableAdapter(x, steps, device, shuffle=shuffle)
    if isinstance(x, Dataset):
        _no_targets(y, sample_weight, "Dataset")
        loader = DataLoader(x, batch_size=batch_size or 32, shuffle=bool(shuffle))
        return IterableAdapter(loader, steps, device)
    if hasattr(x, "__next__") or (hasattr(x, "__iter__") and not isinstance(
            x, (np.ndarray, torch.Tensor, list, tuple, dict, str))):
        _no_targets(y, sample_weight, "generator")
        return IterableAdapter(x, steps, device)
    return ArrayAdapter(x, y, sample_weight, batch_size, shuffle, device, steps)


def _no_targets(y, sample_weight, kind):
    if y is not None or sample_weight is not None:
        raise ValueError(f"When x is a {kind}, it yields the targets itself: do not pass y or "
                         "sample_weight")


def is_array_data(x) -> bool:
    return all(isinstance(a, (np.ndarray, torch.Tensor, list)) for a in tree.flatten(x))


def split_validation(x, y, sample_weight, validation_split: float):
    """Keras's validation_split: the last fraction of the samples, taken before shuffling."""
    x = to_host_strings(x)
    if not is_array_data(x):
        raise ValueError(
            "validation_split only works with arrays or tensors (it takes the last samples); "
            f"got {type(x).__name__}. Pass validation_data instead."
        )
    if not 0.0 < validation_split < 1.0:
        raise ValueError(f"validation_split must be between 0 and 1; got {validation_split}")
    n = num_samples(x, "x")
    cut = int(n * (1.0 - validation_split))
    if cut == 0 or cut == n:
        raise ValueError(f"validation_split={validation_split} of {n} samples leaves no samples "
                         "on one side")

    def head(a):
        return None if a is None else a[:cut]

    def tail(a):
        return None if a is None else a[cut:]

    train = tree.map_structure(head, (x, y, sample_weight))
    val = tree.map_structure(tail, (x, y, sample_weight))
    return train, val
