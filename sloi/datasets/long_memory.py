"""Sequences whose class is set by one early token, followed by many distractors.

What it is for: the lecture's "I grew up in France ... I speak fluent *French*" case. A marker
token (the "grew up in") is followed by the class token (the "France"), then by ``distance``
distractor tokens. The distractors are drawn from the ordinary words *and the class tokens
themselves* (other countries are mentioned later in the text), so a model must keep the token
that followed the marker and ignore every later one. A model that sees only the recent tokens
stays at chance.

Layout of one sequence (length ``distance + 2``): left padding with 0, the marker (token 1),
the class token, then the distractors to the end::

    0 0 0 ... 0  1  c+2  d d d ... d      (c: the class; gap = number of d's)

Test sequences all have the full gap, ``distance``: the test accuracy answers "does the model
carry the class token across ``distance`` steps?". Training sequences, by default
(``train_gaps="varied"``), have gaps from 1 to ``distance``, more often short than long (the
gap is ``1 + floor(distance * u**2)`` for ``u`` uniform in [0, 1): half of them at most a
quarter of ``distance``), as texts of varied length would. A recurrent layer finds the
dependency on the short ones and stretches its memory to the long ones; with every training
gap at ``distance`` (``train_gaps="fixed"``) an LSTM with Keras's defaults gets no gradient
from the class token at all (its forget gate starts near 0.73 per step: 0.73**100 ~ 2e-14) and
never starts learning.

Measured (``benchmarks/datasets.py``; 4,000 samples, 4 classes, ``Embedding(20, 8)``, 32 units,
Adam 0.01, batch 32, 20 epochs, one CPU thread, test accuracy, chance 0.25): distance 100:
LSTM 0.94-1.00 over 8 seeds (most from epoch 3-5), GRU 1.00 (from epoch 2), SimpleRNN
0.25-0.32 over 3 seeds; distance 200: LSTM 1.00 (2 seeds), GRU 1.00, SimpleRNN 0.31;
distance 10: SimpleRNN 1.00; distance 30: SimpleRNN 0.23. With only the first design's
distractors (class tokens never repeated) a SimpleRNN with Keras's orthogonal recurrent kernel
learns distance 100 within 4 epochs: it can simply learn to ignore the distractor words.

Token ids: 0 is padding, 1 the marker, ``2 .. num_classes + 1`` the class tokens (token
``c + 2`` means class ``c``), ``num_classes + 2 .. vocab_size - 1`` the other words.
"""

from __future__ import annotations

import numpy as np

from sloi.datasets import _generated

PAD, MARKER, FIRST_CLASS_TOKEN = 0, 1, 2
GAP_MODES = ("varied", "fixed")


def training_gaps(rng, count: int, distance: int) -> np.ndarray:
    """Gaps from 1 to ``distance`` (0 when ``distance`` is 0), short ones more often."""
    u = rng.random(count)
    return np.minimum(distance, 1 + np.floor(distance * u ** 2)).astype(np.int64)


def load_data(num_samples=4000, distance=100, vocab_size=20, num_classes=4, test_split=0.2,
              seed=0, train_gaps="varied"):
    """Generate the sequences.

    Args:
        num_samples: sequences in all (train and test).
        distance: distractor tokens after the class token in the test sequences (and the
            longest gap in the training ones); every sequence has ``distance + 2`` tokens.
        vocab_size: token ids are below this (for ``Embedding(vocab_size, ...)``).
        num_classes: number of classes (2 or more).
        test_split: the fraction of the sequences kept for testing.
        seed: the random seed; the same arguments and seed give the same data.
        train_gaps: ``"varied"`` (training gaps from 1 to ``distance``, short ones more often)
            or ``"fixed"`` (every training gap is ``distance``, as in the test sequences).

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` int64 of shape
        ``(n, distance + 2)``, ``y`` int64 class ids, every class equally often.
    """
    name = "long_memory"
    num_samples = _generated.check_int(name, "num_samples", num_samples, 1)
    distance = _generated.check_int(name, "distance", distance, 0)
    num_classes = _generated.check_int(name, "num_classes", num_classes, 2)
    vocab_size = _generated.check_int(name, "vocab_size", vocab_size, 1)
    test_split = _generated.check_fraction(name, "test_split", test_split)
    if train_gaps not in GAP_MODES:
        raise ValueError(f"{name}.load_data: train_gaps must be one of {GAP_MODES}; got "
                         f"{train_gaps!r}")
    if vocab_size < num_classes + 2:
        raise ValueError(
            f"{name}.load_data: vocab_size={vocab_size} is too small for num_classes="
            f"{num_classes}: it must be at least num_classes + 2 = {num_classes + 2} (0 for "
            f"padding, 1 for the marker, {num_classes} class tokens)")
    rng = np.random.default_rng(seed)
    labels = _generated.balanced_labels(rng, num_samples, num_classes)
    n_train = _generated.train_count(num_samples, test_split)
    gaps = np.full(num_samples, distance, dtype=np.int64)
    if train_gaps == "varied":
        gaps[:n_train] = training_gaps(rng, n_train, distance)
    length = distance + 2
    # every token after the class token is a distractor: a word or a class token
    x = rng.integers(FIRST_CLASS_TOKEN, vocab_size, size=(num_samples, length))
    position = np.arange(length)[None, :]
    start = (distance - gaps)[:, None]  # where the marker goes
    x[position < start] = PAD
    x[position == start] = MARKER
    rows = np.arange(num_samples)
    x[rows, start[:, 0] + 1] = labels + FIRST_CLASS_TOKEN
    return _generated.split(x.astype(np.int64), labels, test_split)
