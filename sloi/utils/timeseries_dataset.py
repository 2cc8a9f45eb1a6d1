"""``timeseries_dataset_from_array``: sliding windows over a series, batched for ``fit``."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset


def timeseries_dataset_from_array(data, targets, sequence_length, sequence_stride=1,
                                  sampling_rate=1, batch_size=128, shuffle=False, seed=None,
                                  start_index=None, end_index=None):
    """Windows of ``sequence_length`` steps over ``data``, with Keras 3's indexing.

    Window ``k`` starts at step ``s_k = start_index + k * sequence_stride`` and holds
    ``data[s_k], data[s_k + sampling_rate], ...`` (``sequence_length`` steps); its target is
    ``targets[s_k]`` (the step where the window *starts*: to predict the step after the
    window, pass ``targets = data[sequence_length:]``). Only steps in
    ``[start_index, end_index)`` are used.

    Keras returns a ``tf.data.Dataset``; sloi returns a ``torch.utils.data.DataLoader`` that
    ``fit`` / ``evaluate`` / ``predict`` take as is. Iterating it gives ``(x, y)`` tuples of
    torch tensors (just ``x`` when ``targets`` is None), ``x`` of shape
    ``(batch, sequence_length) + data.shape[1:]``, in ``data``'s dtype (numpy arrays for
    string data). Windows are cut per batch, so the series is never copied whole.

    Args:
        data: numpy array (or list / CPU tensor) of steps, time on axis 0.
        targets: one target per step (``targets[i]`` belongs to the window starting at ``i``),
            or ``None``.
        sequence_length: steps per window.
        sequence_stride: steps between the starts of consecutive windows.
        sampling_rate: keep every ``sampling_rate``-th step inside a window.
        batch_size: windows per batch; ``None`` yields single windows.
        shuffle: shuffle the order of the windows, once, as Keras does with
            ``np.random.RandomState(seed)`` (so the windows come in Keras's order before its
            per-epoch buffer shuffle, which sloi does not repeat).
        seed: seed for the shuffle.
        start_index, end_index: the steps used are ``data[start_index:end_index]``.

    Returns:
        A ``DataLoader`` over the batches.

    Example:
        >>> ds = timeseries_dataset_from_array(np.arange(10), None, sequence_length=3,
        ...                                    batch_size=2)
        >>> next(iter(ds))
        tensor([[0, 1, 2],
                [1, 2, 3]])
    """
    dataset = TimeseriesWindows(data, targets, sequence_length, sequence_stride, sampling_rate,
                                batch_size, shuffle, seed, start_index, end_index)
    return DataLoader(dataset, batch_size=None, shuffle=False, collate_fn=_as_tensors)


def _as_tensors(batch):
    def one(a):
        if a.dtype.kind in "biufc":
            return torch.from_numpy(np.ascontiguousarray(a))
        return a
    return tuple(one(a) for a in batch) if isinstance(batch, tuple) else one(batch)


def _check_int(name, value, low, high=None, what=""):
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool)
    if not ok or value < low or (high is not None and value >= high):
        bound = f">= {low}" if high is None else f"in [{low}, {high - 1}]"
        raise ValueError(f"timeseries_dataset_from_array: {name} must be an int {bound}{what}; "
                         f"got {name}={value!r}")


def _as_array(values, name):
    if isinstance(values, torch.Tensor):
        return values.detach().cpu().numpy()
    if not hasattr(values, "__len__"):
        raise ValueError(f"timeseries_dataset_from_array: {name} must be an array with time on "
                         f"axis 0; got {type(values).__name__}")
    return np.asarray(values)


class TimeseriesWindows(Dataset):
    """The batches of ``timeseries_dataset_from_array`` as a map-style torch ``Dataset``:
    ``len()`` batches, ``[i]`` the i-th ``(x, y)`` as numpy arrays."""

    def __init__(self, data, targets, sequence_length, sequence_stride=1, sampling_rate=1,
                 batch_size=128, shuffle=False, seed=None, start_index=None, end_index=None):
        data = _as_array(data, "data")
        n = len(data)
        if n == 0:
            raise ValueError("timeseries_dataset_from_array: data is empty")
        of_data = f" (data has {n} steps)"
        _check_int("sequence_length", sequence_length, 1)
        _check_int("sampling_rate", sampling_rate, 1, n, of_data)
        _check_int("sequence_stride", sequence_stride, 1, n, of_data)
        start = 0 if start_index is None else start_index
        _check_int("start_index", start, 0, n, of_data)
        end = n if end_index is None else end_index
        _check_int("end_index", end, start + 1, n + 1, f" (above start_index={start}){of_data}")
        if batch_size is not None:
            _check_int("batch_size", batch_size, 1)
        span = (sequence_length - 1) * sampling_rate + 1
        count = end - start - span + 1
        if count < 1:
            raise ValueError(
                f"timeseries_dataset_from_array: a window spans {span} steps "
                f"(sequence_length={sequence_length}, sampling_rate={sampling_rate}) but only "
                f"{end - start} steps lie between start_index={start} and end_index={end}: no "
                "window fits")
        if targets is not None:
            targets = _as_array(targets, "targets")
            # Keras: a window needs a target at its own start, so short targets cut the count.
            count = min(count, len(targets) - start)
            if count < 1:
                raise ValueError(f"timeseries_dataset_from_array: targets has {len(targets)} "
                                 f"items, none at or after start_index={start}")
        starts = np.arange(0, count, sequence_stride)
        if shuffle:
            if seed is None:
                seed = np.random.randint(1_000_000)
            np.random.RandomState(seed).shuffle(starts)
        self.data, self.targets = data, targets
        self.starts = starts + start  # absolute steps
        self.offsets = np.arange(sequence_length) * sampling_rate
        self.batch_size = batch_size

    def __len__(self):
        if self.batch_size is None:
            return len(self.starts)
        return -(-len(self.starts) // self.batch_size)

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"the dataset has {len(self)} batches; asked for {index}")
        if self.batch_size is None:
            starts = self.starts[index]
        else:
            starts = self.starts[index * self.batch_size:(index + 1) * self.batch_size]
        x = self.data[starts[..., None] + self.offsets]
        if self.targets is None:
            return x
        return x, self.targets[starts]
