"""Helpers shared by the generated data sets: argument checks and the train / test split."""

from __future__ import annotations

import numpy as np


def check_int(module: str, name: str, value, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < minimum:
        raise ValueError(f"{module}.load_data: {name} must be an integer >= {minimum}; got "
                         f"{value!r}")
    return int(value)


def check_fraction(module: str, name: str, value) -> float:
    if not isinstance(value, (int, float)) or not 0.0 <= value < 1.0:
        raise ValueError(f"{module}.load_data: {name} must be in [0, 1); got {value!r}")
    return float(value)


def train_count(num_samples: int, test_split: float) -> int:
    """How many of ``num_samples`` ``split`` keeps for training."""
    return num_samples - int(round(num_samples * test_split))


def split(x, y, test_split: float):
    """The first ``1 - test_split`` of the (already shuffled) samples for training."""
    n = train_count(len(x), test_split)
    return (x[:n], y[:n]), (x[n:], y[n:])


def balanced_labels(rng, num_samples: int, num_classes: int) -> np.ndarray:
    """Labels with every class equally often (up to one), in random order."""
    labels = np.arange(num_samples) % num_classes
    rng.shuffle(labels)
    return labels.astype(np.int64)
