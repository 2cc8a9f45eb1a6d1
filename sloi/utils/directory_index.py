"""What the ``*_dataset_from_directory`` functions share: the checks of labels and split, the
file list in Keras's order, the training / validation split, the label encodings and the
``DataLoader`` of each subset; each function adds only how one file is read.

Keras lists the files class by class (sub-folders in alphanumeric order, or the order of
``class_names``), each class's files in sorted path order, then shuffles paths and labels with
two ``np.random.RandomState(seed)``: doing the same puts the same files in the same subsets.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch.utils.data import DataLoader

LABEL_MODES = ("int", "categorical", "binary", None)
SUBSETS = ("training", "validation", "both", None)


def check_labels(labels, label_mode, class_names, what):
    """``labels`` after the checks of ``labels``, ``label_mode`` and ``class_names`` (a numpy
    array of labels comes back as a list, to compare with ``"inferred"``)."""
    if isinstance(labels, np.ndarray):
        labels = labels.tolist()
    if labels not in ("inferred", None) and not isinstance(labels, (list, tuple)):
        raise ValueError(f"{what}: labels must be 'inferred', None or a list of integer "
                         f"labels; got labels={labels!r}")
    if label_mode not in LABEL_MODES:
        raise ValueError(f"{what}: label_mode must be one of {list(LABEL_MODES)}; got "
                         f"label_mode={label_mode!r}")
    if class_names is not None and labels != "inferred":
        raise ValueError(f"{what}: class_names can only be given with labels='inferred'; "
                         f"got labels={labels!r}")
    return labels


def check_split(validation_split, subset, shuffle, seed, what):
    """The argument checks of ``validation_split`` / ``subset``; ``what`` names the caller."""
    if validation_split is not None and not 0 < validation_split < 1:
        raise ValueError(f"{what}: validation_split must be between 0 and 1; got "
                         f"validation_split={validation_split!r}")
    if subset not in SUBSETS:
        raise ValueError(f"{what}: subset must be one of {list(SUBSETS)}; got subset={subset!r}")
    if bool(validation_split) != bool(subset):
        raise ValueError(f"{what}: validation_split and subset go together; got "
                         f"validation_split={validation_split!r}, subset={subset!r}")
    if validation_split and shuffle and seed is None:
        raise ValueError(f"{what}: with validation_split and shuffle, pass a seed, so the "
                         "training and validation subsets do not overlap")


def index_directory(directory, labels, formats, class_names, shuffle, seed, follow_links,
                    what):
    """``(paths, labels, class_names)`` of the files under ``directory`` whose names end with
    one of ``formats`` (case-insensitive), in Keras's order.

    ``labels`` is ``"inferred"`` (one class per sub-folder), None (``labels`` and
    ``class_names`` come back None) or a list of integer labels, one per file in sorted path
    order (``class_names`` are then the sorted distinct labels as strings).
    """
    if not os.path.isdir(directory):
        raise ValueError(f"{what}: {directory!r} is not a directory")
    if labels == "inferred":
        folders = sorted(d for d in os.listdir(directory)
                         if os.path.isdir(os.path.join(directory, d)) and not d.startswith("."))
        if class_names is not None:
            missing = [c for c in class_names if c not in folders]
            if missing:
                raise ValueError(f"{what}: class_names {missing} are not sub-folders of "
                                 f"{directory!r}; found {folders}")
            folders = list(class_names)
        class_names = folders
    else:
        if class_names is not None:
            raise ValueError(f"{what}: class_names can only be given with labels='inferred'; "
                             f"got labels={labels!r}")
        folders = [""]
    formats = tuple(f.lower() for f in formats)
    paths, label_list = [], []
    for index, folder in enumerate(folders):
        root = os.path.join(directory, folder) if folder else directory
        walk = sorted(os.walk(root, followlinks=follow_links), key=lambda entry: entry[0])
        for here, _, files in walk:
            for name in sorted(files):
                if name.lower().endswith(formats):
                    paths.append(os.path.join(here, name))
                    label_list.append(index)
    if labels is None:
        label_list, class_names = None, None
    elif labels != "inferred":
        label_list = [int(v) for v in labels]
        if len(label_list) != len(paths):
            raise ValueError(f"{what}: got {len(label_list)} labels for {len(paths)} "
                             f"{'/'.join(formats)} files in {directory!r}")
        class_names = [str(v) for v in sorted(set(label_list))]
    if shuffle:
        # Two generators with one seed give paths and labels the same permutation (Keras).
        np.random.RandomState(seed).shuffle(paths)
        if label_list is not None:
            label_list = np.asarray(label_list, dtype="int32")
            np.random.RandomState(seed).shuffle(label_list)
            label_list = label_list.tolist()
    return paths, label_list, class_names


def found_message(paths, labels, class_names) -> str:
    if labels is None:
        return f"Found {len(paths)} files."
    return f"Found {len(paths)} files belonging to {len(class_names)} classes."


def take_split(paths, labels, validation_split, part, verbose):
    """Keras's split: the last ``int(validation_split * n)`` files are the validation ones."""
    if not validation_split:
        return paths, labels
    held = int(validation_split * len(paths))
    cut = len(paths) - held
    if verbose:
        count = cut if part == "training" else held
        print(f"Using {count} files for {part}.")
    if part == "training":
        return paths[:cut], None if labels is None else labels[:cut]
    return paths[cut:], None if labels is None else labels[cut:]


def encode_label(label: int, label_mode, num_classes: int) -> torch.Tensor:
    """One label as Keras's datasets give it: int32 scalar (``"int"``), float32 ``(1,)``
    (``"binary"``) or a float32 one-hot vector (``"categorical"``)."""
    if label_mode == "binary":
        return torch.tensor([label], dtype=torch.float32)
    if label_mode == "categorical":
        return torch.nn.functional.one_hot(torch.tensor(label), num_classes).float()
    return torch.tensor(label, dtype=torch.int32)


def list_files(directory, labels, label_mode, formats, class_names, shuffle, seed,
               follow_links, verbose, what):
    """What every ``*_dataset_from_directory`` does before reading a file: index the
    directory (``index_directory``), say what was found, check that ``"binary"`` labels
    have two classes. Returns ``(paths, labels, class_names, label_mode, seed)``, with
    ``labels`` and ``label_mode`` None when either was, and a seed drawn when none was given
    (the same one then shuffles the files and reshuffles each epoch)."""
    if labels is None or label_mode is None:
        labels, label_mode = None, None
    if seed is None:
        seed = np.random.randint(1_000_000)
    paths, labels, class_names = index_directory(directory, labels, formats, class_names,
                                                 shuffle, seed, follow_links, what)
    if verbose:
        print(found_message(paths, labels, class_names))
    if label_mode == "binary" and len(class_names) != 2:
        raise ValueError(f"{what}: label_mode='binary' needs exactly 2 classes; found "
                         f"{len(class_names)}: {class_names}")
    return paths, labels, class_names, label_mode, seed


def make_loaders(make_dataset, paths, labels, class_names, *, validation_split, subset,
                 shuffle, seed, batch_size, collate_fn, verbose, missing):
    """The ``DataLoader`` (``subset="both"``: ``[training, validation]``) over
    ``make_dataset(paths, labels)`` of each subset, with Keras's ``class_names`` and
    ``file_paths`` attributes. The training data is reshuffled every epoch by a torch
    generator seeded with ``seed``; ``missing(part)`` is the error message of an empty
    subset."""
    def loader(part, reshuffle):
        part_paths, part_labels = take_split(paths, labels, validation_split, part, verbose)
        if not part_paths:
            raise ValueError(missing(part))
        generator = torch.Generator().manual_seed(int(seed)) if reshuffle else None
        result = DataLoader(make_dataset(part_paths, part_labels), batch_size=batch_size,
                            shuffle=reshuffle, generator=generator, collate_fn=collate_fn)
        result.class_names = class_names
        result.file_paths = part_paths
        return result

    if subset == "both":
        return [loader("training", shuffle), loader("validation", False)]
    return loader(subset, shuffle and subset != "validation")
