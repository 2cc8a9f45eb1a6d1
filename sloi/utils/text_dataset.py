"""``text_dataset_from_directory``: ``.txt`` files in class folders, as batches of strings."""

from __future__ import annotations

import os

import torch
from torch.utils.data import Dataset

from sloi.utils.directory_index import (
    check_labels,
    check_split,
    encode_label,
    list_files,
    make_loaders,
)

_WHAT = "text_dataset_from_directory"


def text_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                class_names=None, batch_size=32, max_length=None, shuffle=True,
                                seed=None, validation_split=None, subset=None,
                                follow_links=False, verbose=True):
    """The ``.txt`` files under ``directory`` with their labels, as Keras 3 reads them.

    With ``labels="inferred"`` each sub-folder is a class (in alphanumeric order, or the order
    of ``class_names``) and its ``.txt`` files, at any depth, its samples::

        reviews/
            neg/  a.txt  b.txt
            pos/  c.txt

    Files are read as UTF-8. The file list is sorted, then shuffled (when ``shuffle``) by
    ``np.random.RandomState(seed)`` exactly as Keras does, so the same seed puts the same
    files in the training and validation subsets as Keras would.

    Keras returns a ``tf.data.Dataset`` of string tensors; torch has none, so sloi returns a
    ``torch.utils.data.DataLoader`` whose batches are ``(texts, labels)``: ``texts`` a list of
    Python strings, ``labels`` a tensor (just ``texts`` without labels). Its ``class_names``
    attribute holds the class names. With ``shuffle``, the training data is also reshuffled
    every epoch (by a torch generator seeded with ``seed``), as Keras's shuffle buffer does.

    Args:
        directory: the folder to read.
        labels: ``"inferred"`` (from the sub-folders), ``None`` (no labels), or a list of
            integer labels, one per file in sorted path order.
        label_mode: ``"int"`` (int32, shape ``(batch,)``), ``"categorical"`` (float32
            one-hot), ``"binary"`` (float32, shape ``(batch, 1)``, exactly 2 classes) or
            ``None`` (no labels).
        class_names: with ``labels="inferred"``, the sub-folders to use, in label order.
        batch_size: texts per batch; ``None`` yields single samples.
        max_length: keep at most this many characters of each text (Keras's tf path counts
            bytes, which can cut a Cyrillic letter in half; characters cannot).
        shuffle: shuffle the files (default) or keep them in alphanumeric order.
        seed: seed for the shuffles; required with ``validation_split`` and ``shuffle``.
        validation_split: fraction of the files held out for validation (the last ones).
        subset: ``"training"``, ``"validation"`` or ``"both"`` (a list of the two loaders);
            only with ``validation_split``.
        follow_links: follow symbolic links to sub-folders.
        verbose: print how many files and classes were found.

    Returns:
        A ``DataLoader``, or ``[train, validation]`` with ``subset="both"``.
    """
    if not os.path.isdir(directory):
        raise ValueError(f"text_dataset_from_directory: {directory!r} is not a directory")
    labels = check_labels(labels, label_mode, class_names, _WHAT)
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"{_WHAT}: batch_size must be None or an int >= 1; got "
                         f"batch_size={batch_size!r}")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 0):
        raise ValueError(f"{_WHAT}: max_length must be None or an int >= 0; got "
                         f"max_length={max_length!r}")
    check_split(validation_split, subset, shuffle, seed, _WHAT)
    paths, labels, class_names, label_mode, seed = list_files(
        directory, labels, label_mode, (".txt",), class_names, shuffle, seed, follow_links,
        verbose, _WHAT)
    num_classes = len(class_names) if class_names else 0

    def texts(part_paths, part_labels):
        return TextFiles(part_paths, part_labels, label_mode, num_classes, max_length)

    return make_loaders(
        texts, paths, labels, class_names, validation_split=validation_split, subset=subset,
        shuffle=shuffle, seed=seed, batch_size=batch_size, collate_fn=_collate_texts,
        verbose=verbose,
        missing=lambda part: (f"{_WHAT}: no {part + ' ' if part else ''}.txt files found in "
                              f"{directory!r}"))


class TextFiles(Dataset):
    """Map-style dataset of ``(text, label)`` read from files on demand (just ``text`` when
    there are no labels)."""

    def __init__(self, paths, labels, label_mode, num_classes, max_length=None):
        self.paths, self.labels = paths, labels
        self.label_mode, self.num_classes, self.max_length = label_mode, num_classes, max_length

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        path = self.paths[index]
        try:
            with open(path, encoding="utf-8") as f:
                text = f.read()
        except UnicodeDecodeError as e:
            raise ValueError(f"{_WHAT}: {path!r} is not UTF-8 text "
                             f"({e.reason} at byte {e.start})") from e
        if self.max_length is not None:
            text = text[:self.max_length]
        if self.labels is None:
            return text
        return text, encode_label(self.labels[index], self.label_mode, self.num_classes)


def _collate_texts(samples):
    """Batches as ``(list of str, stacked labels)``; one sample passes through as it is."""
    if isinstance(samples, (str, tuple)):  # batch_size=None: a single sample
        return samples
    if isinstance(samples[0], str):
        return list(samples)
    texts, labels = zip(*samples)
    return list(texts), torch.stack(labels)
