"""``split_dataset``: one dataset into a left and a right part (e.g. train / test)."""

from __future__ import annotations

import numpy as np
import torch
from torch.utils.data import Dataset, IterableDataset, Subset, TensorDataset


def split_dataset(dataset, left_size=None, right_size=None, shuffle=False, seed=None):
    """Split a dataset in two, as ``keras.utils.split_dataset`` does with the torch backend.

    Args:
        dataset: a map-style ``torch.utils.data.Dataset``, a numpy array, or a list / tuple of
            arrays of the same length (each sample is then the tuple of their rows).
        left_size: a float in (0, 1): the fraction of samples on the left; an int: their
            number; ``None``: whatever ``right_size`` leaves.
        right_size: the same for the right part.
        shuffle: shuffle the samples before splitting; otherwise the left part is the first
            samples and the right part the next ones, in order. (Keras's torch path shuffled
            even with ``shuffle=False``.)
        seed: seed for the shuffle.

    Returns:
        ``(left, right)``: two ``torch.utils.data.Subset`` datasets. ``fit`` takes them (it
        batches a Dataset with a DataLoader); arrays come back as tensors in a
        ``TensorDataset``, so a sample is a tuple of tensors, as in Keras.

    Example:
        >>> x, y = np.zeros((10, 3)), np.arange(10)
        >>> train, test = split_dataset((x, y), left_size=0.8)
        >>> len(train), len(test)
        (8, 2)
    """
    dataset = _as_dataset(dataset)
    total = len(dataset)
    left, right = _split_sizes(left_size, right_size, total)
    if shuffle:
        generator = torch.Generator()
        if seed is None:
            generator.seed()
        else:
            generator.manual_seed(int(seed))
        order = torch.randperm(total, generator=generator).tolist()
    else:
        order = list(range(total))
    return Subset(dataset, order[:left]), Subset(dataset, order[left:left + right])


def _as_dataset(dataset):
    if isinstance(dataset, IterableDataset) or (
            isinstance(dataset, Dataset) and not hasattr(dataset, "__len__")):
        raise TypeError("split_dataset needs a dataset with a length (a map-style Dataset); got "
                        f"{type(dataset).__name__}")
    if isinstance(dataset, Dataset):
        return dataset
    if isinstance(dataset, (np.ndarray, torch.Tensor)):
        return TensorDataset(torch.as_tensor(dataset))
    if isinstance(dataset, (list, tuple)) and dataset:
        tensors = []
        for k, part in enumerate(dataset):
            if not isinstance(part, (np.ndarray, torch.Tensor)):
                raise TypeError(f"split_dataset: a list / tuple dataset must hold arrays of the "
                                f"same length; item {k} is {type(part).__name__}")
            tensors.append(torch.as_tensor(part))
        lengths = [len(t) for t in tensors]
        if len(set(lengths)) > 1:
            raise ValueError(f"split_dataset: the arrays must have the same length; got "
                             f"lengths {lengths}")
        return TensorDataset(*tensors)
    raise TypeError("split_dataset expects a torch Dataset, a numpy array or a list / tuple of "
                    f"arrays; got {type(dataset).__name__}")


def _split_sizes(left_size, right_size, total):
    """Both sizes as sample counts, checked as Keras checks them."""
    if left_size is None and right_size is None:
        raise ValueError("split_dataset: give left_size, right_size or both")
    sizes = {}
    for name, size in (("left_size", left_size), ("right_size", right_size)):
        if size is None:
            continue
        if isinstance(size, (bool, np.bool_)) or not isinstance(
                size, (int, float, np.integer, np.floating)):
            raise TypeError(f"split_dataset: {name} must be an int, a float or None; got "
                            f"{type(size).__name__} {size!r}")
        if isinstance(size, (float, np.floating)):
            if not 0 < size < 1:
                raise ValueError(f"split_dataset: a float {name} is a fraction in (0, 1); got "
                                 f"{name}={size}")
            sizes[name] = round(size * total)
        else:
            if not 0 < size < total:
                raise ValueError(f"split_dataset: an int {name} must be in [1, {total - 1}] for "
                                 f"a dataset of {total} samples; got {name}={size}")
            sizes[name] = int(size)
    left = sizes.get("left_size", total - sizes.get("right_size", 0))
    right = sizes.get("right_size", total - left)
    if left + right > total:
        raise ValueError(f"split_dataset: left_size + right_size = {left} + {right} samples is "
                         f"more than the {total} in the dataset")
    if left == 0 or right == 0:
        raise ValueError(f"split_dataset: with {total} samples, left_size={left_size!r} and "
                         f"right_size={right_size!r} leave the {'left' if left == 0 else 'right'}"
                         " part empty")
    return left, right
