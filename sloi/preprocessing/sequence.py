"""Sequence tools: ``pad_sequences`` (Keras 3's ``keras.utils.pad_sequences``), and Keras 2's
``skipgrams``, ``make_sampling_table`` and ``TimeseriesGenerator``."""

from __future__ import annotations

import json
import random

import numpy as np

from sloi.training.py_dataset import PyDataset

_MODES = ("pre", "post")


def pad_sequences(sequences, maxlen=None, dtype="int32", padding="pre", truncating="pre",
                  value=0.0):
    """Pad (and cut) a list of sequences to one length.

    Args:
        sequences: a list of sequences: lists, tuples or arrays of numbers (or of strings with
            ``dtype=object``); each item may itself be a vector, all of one shape.
        maxlen: the length of the result; ``None`` for the longest sequence.
        dtype: dtype of the result. ``object`` for strings of any length; a bare ``str`` dtype
            is widened to fit the longest string (numpy's ``"<U1"`` would cut them).
        padding: ``"pre"`` or ``"post"``: add ``value`` before or after each sequence.
        truncating: ``"pre"`` or ``"post"``: drop the first or the last items of longer
            sequences.
        value: the padding value (a string needs a string or object ``dtype``).

    Returns:
        A numpy array ``(len(sequences), maxlen)`` (plus the items' own shape).

    Example:
        >>> pad_sequences([[1, 2, 3], [4]], maxlen=2)
        array([[2, 3],
               [0, 4]], dtype=int32)
    """
    for name, mode in (("padding", padding), ("truncating", truncating)):
        if mode not in _MODES:
            raise ValueError(f"pad_sequences: {name} must be 'pre' or 'post'; got {name}={mode!r}")
    if isinstance(sequences, (str, bytes)) or not hasattr(sequences, "__len__"):
        raise ValueError(f"pad_sequences expects a list of sequences; got "
                         f"{type(sequences).__name__} {_short(sequences)}")
    if maxlen is not None and (not isinstance(maxlen, (int, np.integer))
                               or isinstance(maxlen, bool) or maxlen < 1):
        raise ValueError(f"pad_sequences: maxlen must be None or an int >= 1; got "
                         f"maxlen={maxlen!r}")
    lengths, item_shape, first = [], (), True
    for idx, seq in enumerate(sequences):
        if isinstance(seq, (str, bytes)) or not hasattr(seq, "__len__"):
            hint = (" (a string is not a list of tokens: split it first)"
                    if isinstance(seq, (str, bytes)) else
                    "; to pad one sequence, wrap it in a list: [seq]")
            raise ValueError(f"pad_sequences expects a list of sequences; item {idx} is "
                             f"{type(seq).__name__} {_short(seq)}{hint}")
        lengths.append(len(seq))
        if first and len(seq):
            item_shape, first = np.asarray(seq).shape[1:], False
    if maxlen is None:
        maxlen = max(lengths, default=0)

    dtype = np.dtype(dtype)
    if isinstance(value, str) and dtype.kind not in "OUS":
        raise ValueError(f"pad_sequences: dtype {dtype} cannot hold the string value {value!r}; "
                         "use dtype=object for strings")
    if dtype.kind in "US" and dtype.itemsize == 0:
        # A bare str dtype means "wide enough": measure instead of letting numpy cut at 1.
        widest = max([len(str(value))] + [len(str(t)) for s in sequences
                                          for t in np.asarray(s, dtype=object).ravel()])
        dtype = np.dtype(f"{dtype.kind}{max(widest, 1)}")

    out = np.full((len(sequences), maxlen) + item_shape, value, dtype=dtype)
    for idx, seq in enumerate(sequences):
        if not len(seq):
            continue
        kept = seq[-maxlen:] if truncating == "pre" else seq[:maxlen]
        kept = np.asarray(kept, dtype=dtype)
        if kept.shape[1:] != item_shape:
            raise ValueError(f"pad_sequences: the items of sequence {idx} have shape "
                             f"{kept.shape[1:]}, those of the first non-empty sequence "
                             f"{item_shape}")
        if padding == "post":
            out[idx, :len(kept)] = kept
        else:
            out[idx, -len(kept):] = kept
    return out


def _short(obj, limit=60):
    text = repr(obj)
    return text if len(text) <= limit else text[:limit] + "..."


def make_sampling_table(size, sampling_factor=1e-5):
    """Keras 2's word-sampling table for ``skipgrams``: entry ``i`` is the probability of
    keeping the ``i``-th most frequent word, from Zipf's law as in word2vec.

    ``p(i) = min(1, sqrt(f))`` with ``f = sampling_factor * rank * (log(rank) + gamma) + 0.5
    - 1 / (12 rank)`` (``rank = max(i, 1)``, ``gamma = 0.577``): frequent words are dropped
    more often.

    Args:
        size: the vocabulary size.
        sampling_factor: word2vec's sampling factor.

    Returns:
        A float64 numpy array of length ``size``.
    """
    if not isinstance(size, (int, np.integer)) or isinstance(size, bool) or size < 1:
        raise ValueError(f"make_sampling_table: size must be an int >= 1; got size={size!r}")
    gamma = 0.577
    rank = np.arange(size, dtype="float64")
    rank[0] = 1.0
    inverse_frequency = rank * (np.log(rank) + gamma) + 0.5 - 1.0 / (12.0 * rank)
    f = sampling_factor * inverse_frequency
    return np.minimum(1.0, f / np.sqrt(f))


def skipgrams(sequence, vocabulary_size, window_size=4, negative_samples=1.0, shuffle=True,
              categorical=False, sampling_table=None, seed=None):
    """Keras 2's skip-gram pairs for word2vec: ``(word, context)`` couples labelled 1, and
    ``(word, random word)`` couples labelled 0.

    Index 0 is padding and never appears in a couple.

    Args:
        sequence: a list of word indices.
        vocabulary_size: negatives are drawn from ``[1, vocabulary_size - 1]``.
        window_size: how far on each side a context word may be.
        negative_samples: number of negatives per positive (a float).
        shuffle: shuffle the couples (labels stay with their couples).
        categorical: labels as ``[0, 1]`` / ``[1, 0]`` instead of ``1`` / ``0``.
        sampling_table: ``make_sampling_table`` output; word ``i`` is kept with probability
            ``sampling_table[i]``.
        seed: seed for every random choice. Keras 2 used (and re-seeded) Python's global
            ``random``; here a private ``random.Random(seed)`` draws everything, so the same
            seed gives the same result and the global generator is left alone.

    Returns:
        ``(couples, labels)``: a list of ``[word, context]`` and a list of labels.
    """
    if not isinstance(vocabulary_size, (int, np.integer)) or vocabulary_size < 2:
        raise ValueError(f"skipgrams: vocabulary_size must be an int >= 2; got "
                         f"vocabulary_size={vocabulary_size!r}")
    rng = random.Random(seed)
    couples, labels = [], []
    for i, word in enumerate(sequence):
        if not word:
            continue
        if sampling_table is not None and sampling_table[word] < rng.random():
            continue
        for j in range(max(0, i - window_size), min(len(sequence), i + window_size + 1)):
            if j != i and sequence[j]:
                couples.append([word, sequence[j]])
                labels.append([0, 1] if categorical else 1)
    if negative_samples > 0 and couples:
        count = int(len(labels) * negative_samples)
        words = [c[0] for c in couples]
        rng.shuffle(words)
        couples += [[words[k % len(words)], rng.randint(1, vocabulary_size - 1)]
                    for k in range(count)]
        labels += [[1, 0] if categorical else 0 for _ in range(count)]
    if shuffle:
        order = list(range(len(couples)))
        rng.shuffle(order)
        couples = [couples[k] for k in order]
        labels = [labels[k] for k in order]
    return couples, labels


class TimeseriesGenerator(PyDataset):
    """Keras 2's batches of windows over a time series (a ``PyDataset``: ``fit`` takes it).

    Sample ``k`` is ``data[row - length:row:sampling_rate]`` with target ``targets[row]``, for
    ``row`` from ``start_index + length`` to ``end_index`` in steps of ``stride``.

    Args:
        data: the series, indexable along its first axis (numpy array, list).
        targets: one target per step of ``data`` (same length).
        length: how many steps back each window reaches.
        sampling_rate: keep every ``sampling_rate``-th step inside a window.
        stride: steps between consecutive windows.
        start_index, end_index: first and last step usable (``end_index`` defaults to the last).
        shuffle: draw random rows for each batch (with replacement, from numpy's global
            generator, as Keras 2).
        reverse: give each window in reverse time order.
        batch_size: windows per batch.
    """

    def __init__(self, data, targets, length, sampling_rate=1, stride=1, start_index=0,
                 end_index=None, shuffle=False, reverse=False, batch_size=128):
        super().__init__()
        if len(data) != len(targets):
            raise ValueError(f"TimeseriesGenerator: data and targets must have the same length; "
                             f"got {len(data)} and {len(targets)}")
        for name, v in (("length", length), ("sampling_rate", sampling_rate),
                        ("stride", stride), ("batch_size", batch_size)):
            if not isinstance(v, (int, np.integer)) or v < 1:
                raise ValueError(f"TimeseriesGenerator: {name} must be an int >= 1; got "
                                 f"{name}={v!r}")
        self.data, self.targets = data, targets
        self.length, self.sampling_rate, self.stride = length, sampling_rate, stride
        # Keras 2 keeps the first *predicted* row here; the user's value is kept for get_config.
        self._given_start_index = start_index
        self.start_index = start_index + length
        self.end_index = len(data) - 1 if end_index is None else end_index
        self.shuffle, self.reverse, self.batch_size = shuffle, reverse, batch_size
        if self.start_index > self.end_index:
            raise ValueError(
                f"TimeseriesGenerator: start_index + length = {self.start_index} is past "
                f"end_index = {self.end_index}: no step is left to predict (data has "
                f"{len(data)} steps)")

    def __len__(self):
        span = self.batch_size * self.stride
        return (self.end_index - self.start_index + span) // span

    def __getitem__(self, index):
        if not 0 <= index < len(self):
            raise IndexError(f"TimeseriesGenerator has {len(self)} batches; asked for {index}")
        if self.shuffle:
            rows = np.random.randint(self.start_index, self.end_index + 1, size=self.batch_size)
        else:
            first = self.start_index + self.batch_size * self.stride * index
            stop = min(first + self.batch_size * self.stride, self.end_index + 1)
            rows = np.arange(first, stop, self.stride)
        samples = np.array([self.data[r - self.length:r:self.sampling_rate] for r in rows])
        targets = np.array([self.targets[r] for r in rows])
        if self.reverse:
            return samples[:, ::-1, ...], targets
        return samples, targets

    def __iter__(self):
        for index in range(len(self)):
            yield self[index]

    def get_config(self):
        """Keras 2's config: the arguments, with ``data`` and ``targets`` as JSON text.

        ``start_index`` is the one given to ``__init__`` (Keras 2 wrote ``start_index +
        length`` there, so its config did not rebuild the same generator; ``from_config``
        here does).

        Raises:
            TypeError: ``data`` or ``targets`` cannot be written as JSON (as in Keras 2).
        """
        return {
            "data": _json_text(self.data, "data"),
            "targets": _json_text(self.targets, "targets"),
            "length": int(self.length),
            "sampling_rate": int(self.sampling_rate),
            "stride": int(self.stride),
            "start_index": int(self._given_start_index),
            "end_index": int(self.end_index),
            "shuffle": bool(self.shuffle),
            "reverse": bool(self.reverse),
            "batch_size": int(self.batch_size),
        }

    @classmethod
    def from_config(cls, config):
        """The generator ``get_config`` describes (``data`` / ``targets`` as numpy arrays)."""
        config = dict(config)
        for key in ("data", "targets"):
            if isinstance(config[key], str):
                config[key] = np.asarray(json.loads(config[key]))
        return cls(**config)

    def to_json(self, **kwargs):
        """``{"class_name": "TimeseriesGenerator", "config": get_config()}`` as JSON text;
        ``kwargs`` go to ``json.dumps``."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def _json_text(values, name):
    # Arrays and tensors become nested lists; anything json cannot write is refused by name.
    if hasattr(values, "tolist"):
        values = values.tolist()
    try:
        return json.dumps(values)
    except TypeError as e:
        raise TypeError(f"TimeseriesGenerator.get_config: {name} is not JSON serializable "
                        f"({e})") from e
