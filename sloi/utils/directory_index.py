"""What the ``*_dataset_from_directory`` functions share: the file list in Keras's order, the
training / validation split, the label encodings.

Keras lists the files class by class (sub-folders in alphanumeric order, or the order of
``class_names``), each class's files in sorted path order, then shuffles paths and labels with
two ``np.random.RandomState(seed)``: doing the same puts the same files in the same subsets.
"""

from __future__ import annotations

import os

import numpy as np
import torch

LABEL_MODES = ("int", "categorical", "binary", None)
SUBSETS = ("training", "validation", "both", None)


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
