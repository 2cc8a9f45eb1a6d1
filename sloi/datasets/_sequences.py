"""What IMDB and Reuters share: reading their ``.npz`` safely, and Keras's post-processing of the
word-id sequences (shuffle, start and out-of-vocabulary marks, length and vocabulary limits)."""

from __future__ import annotations

import json
import os

import numpy as np

from sloi.datasets import _cache, _npz


def load_arrays(name: str, path, cache_dir) -> dict[str, np.ndarray]:
    """The arrays of the Keras file ``name``, through the plain re-encoded copy when it exists
    (see ``_npz``), else from the checked download, re-encoding it once."""
    algorithm, digest = _cache.expected_checksum(name)
    stored = os.path.join(_cache.cache_dir(cache_dir), os.fspath(path or name))
    flat_path = os.path.splitext(stored)[0] + ".sloi.npz"
    if os.path.exists(flat_path):
        arrays, source = _npz.read_flat_npz(flat_path)
        if source == f"{algorithm}:{digest}":
            return arrays
    local = _cache.get_file(name, path, cache_dir)
    arrays = _npz.read_npz(local)
    _npz.write_flat_npz(flat_path, arrays, f"{algorithm}:{digest}")
    return arrays


def load_word_index(name: str, path, cache_dir) -> dict[str, int]:
    local = _cache.get_file(name, path, cache_dir)
    with open(local, encoding="utf-8") as f:
        return json.load(f)


def shuffled(rng, *arrays):
    """The arrays in one random order drawn from ``rng`` (``RandomState.shuffle``, as Keras)."""
    indices = np.arange(len(arrays[0]))
    rng.shuffle(indices)
    return [a[indices] for a in arrays]


def mark(sequences, start_char, index_from) -> list[list[int]]:
    """Shift word ids by ``index_from`` and put ``start_char`` first."""
    if start_char is not None:
        return [[start_char] + [w + index_from for w in x] for x in sequences]
    return [[w + index_from for w in x] for x in sequences]


def shorter_than(maxlen, sequences, labels):
    """Only the sequences *shorter* than ``maxlen`` (Keras drops those of length ``maxlen``
    too), with their labels."""
    kept = [(x, y) for x, y in zip(sequences, labels) if len(x) < maxlen]
    return [x for x, _ in kept], [y for _, y in kept]


def limit_vocabulary(sequences, num_words, skip_top, oov_char):
    """Ids outside ``[skip_top, num_words)`` become ``oov_char`` (or are dropped if it is None).

    Without ``num_words`` the limit is the largest id, and, as in Keras, that id itself falls
    outside the half-open range.
    """
    if not num_words:
        num_words = max((max(x) for x in sequences if x), default=0)
    if oov_char is not None:
        return [[w if skip_top <= w < num_words else oov_char for w in x] for x in sequences]
    return [[w for w in x if skip_top <= w < num_words] for x in sequences]


def object_array(sequences) -> np.ndarray:
    """A 1-D object array of lists, whatever their lengths."""
    array = np.empty(len(sequences), dtype=object)
    for i, x in enumerate(sequences):
        array[i] = x
    return array
