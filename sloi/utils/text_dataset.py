"""``text_dataset_from_directory``: ``.txt`` files in class folders, as batches of strings."""

from __future__ import annotations

import os

import numpy as np
import torch
from torch.utils.data import DataLoader, Dataset

from sloi.utils.directory_index import (
    LABEL_MODES,
    check_split,
    encode_label,
    index_directory,
    take_split,
)


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
    if isinstance(labels, np.ndarray):  # compared with "inferred" below
        labels = labels.tolist()
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f"text_dataset_from_directory: labels must be 'inferred', None or a "
                         f"list of integer labels; got labels={labels!r}")
    if label_mode not in LABEL_MODES:
        raise ValueError(f"text_dataset_from_directory: label_mode must be one of "
                         f"{list(LABEL_MODES)}; got label_mode={label_mode!r}")
    if class_names is not None and labels != "inferred":
        raise ValueError("text_dataset_from_directory: class_names can only be given with "
                         f"labels='inferred'; got labels={labels!r}")
    if batch_size is not None and (not isinstance(batch_size, int) or batch_size < 1):
        raise ValueError(f"text_dataset_from_directory: batch_size must be None or an int >= "
                         f"1; got batch_size={batch_size!r}")
    if max_length is not None and (not isinstance(max_length, int) or max_length < 0):
        raise ValueError(f"text_dataset_from_directory: max_length must be None or an int >= "
                         f"0; got max_length={max_length!r}")
    check_split(validation_split, subset, shuffle, seed, "text_dataset_from_directory")
    if labels is None or label_mode is None:
        labels, label_mode = None, None

    if seed is None:
        seed = np.random.randint(1_000_000)
    paths, label_list, class_names = index_directory(
        directory, labels, (".txt",), class_names, shuffle, seed, follow_links,
        "text_dataset_from_directory")
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"text_dataset_from_directory: label_mode='binary' needs exactly 2 "
                         f"classes; found {len(class_names)}: {class_names}")
    if verbose:
        found = f"Found {len(paths)} files"
        print(found + ("." if label_list is None else
                       f" belonging to {len(class_names)} classes."))
    num_classes = len(class_names) if class_names else 0

    def loader(part, reshuffle):
        part_paths, part_labels = take_split(paths, label_list, validation_split, part, verbose)
        if not part_paths:
            raise ValueError(f"text_dataset_from_directory: no {part or ''} .txt files found "
                             f"in {directory!r}".replace("  ", " "))
        data = TextFiles(part_paths, part_labels, label_mode, num_classes, max_length)
        generator = torch.Generator().manual_seed(int(seed)) if reshuffle else None
        result = DataLoader(data, batch_size=batch_size, shuffle=reshuffle,
                            generator=generator, collate_fn=_collate_texts)
        result.class_names = class_names
        return result

    if subset == "both":
        return [loader("training", shuffle), loader("validation", False)]
    return loader(subset, shuffle and subset != "validation")


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
            raise ValueError(f"text_dataset_from_directory: {path!r} is not UTF-8 text "
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
