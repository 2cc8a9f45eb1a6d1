"""Repeatable runs."""

from __future__ import annotations

import random

import numpy as np
import torch


def set_random_seed(seed: int) -> None:
    """Seed Python's, numpy's and torch's generators (CUDA included), as
    ``keras.utils.set_random_seed`` does: the same seed gives the same initial weights,
    shuffling and dropout masks."""
    if not isinstance(seed, int):
        raise ValueError(f"set_random_seed expects an int; got {type(seed).__name__} {seed!r}")
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)
