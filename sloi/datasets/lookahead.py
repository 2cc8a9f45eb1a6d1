"""Sequences whose label at each position depends on what comes *after* it.

What it is for: the case for ``Bidirectional``. Like a word whose meaning is settled by the
word after it, position ``t``'s label is the class of the token ``shift`` steps later (token
id modulo ``num_classes``; the last positions look around to the start of the sequence). A
left-to-right LSTM has not read that token yet when it must answer, so it stays near chance;
``Bidirectional(LSTM(..., return_sequences=True))`` reads it from the other side and learns it.

Token ids run from 1 to ``vocab_size - 1`` (0 is free for padding).
"""

from __future__ import annotations

import numpy as np

from sloi.datasets import _generated


def load_data(num_samples=2000, steps=20, vocab_size=11, num_classes=2, shift=1,
              test_split=0.2, seed=0):
    """Generate the sequences and their per-position labels.

    Args:
        num_samples: sequences in all (train and test).
        steps: tokens per sequence.
        vocab_size: token ids are below this (for ``Embedding(vocab_size, ...)``); the classes
            are balanced when ``vocab_size - 1`` is a multiple of ``num_classes``.
        num_classes: classes of a position (2 or more).
        shift: how far ahead the deciding token is (1: the next token).
        test_split: the fraction of the sequences kept for testing.
        seed: the random seed; the same arguments and seed give the same data.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` int64 ``(n, steps)`` token ids,
        ``y`` int64 ``(n, steps)`` class ids, one per position.
    """
    name = "lookahead"
    num_samples = _generated.check_int(name, "num_samples", num_samples, 1)
    steps = _generated.check_int(name, "steps", steps, 2)
    num_classes = _generated.check_int(name, "num_classes", num_classes, 2)
    vocab_size = _generated.check_int(name, "vocab_size", vocab_size, num_classes + 1)
    shift = _generated.check_int(name, "shift", shift, 1)
    test_split = _generated.check_fraction(name, "test_split", test_split)
    if shift >= steps:
        raise ValueError(f"{name}.load_data: shift={shift} must be smaller than steps={steps}")
    rng = np.random.default_rng(seed)
    x = rng.integers(1, vocab_size, size=(num_samples, steps)).astype(np.int64)
    y = np.roll(x, -shift, axis=1) % num_classes
    return _generated.split(x, y, test_split)
