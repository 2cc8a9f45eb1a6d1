"""Sequences whose class is set by one token at the start, followed by many distractors.

What it is for: the lecture's "I lived in France ... I speak fluent *French*" case. The token
that decides the class comes first, then ``distance`` random distractor tokens that say
nothing about it. A model must carry the first token across all of them; a model that sees
only the recent tokens stays at chance.

How far each recurrent layer gets depends on its initialisation more than the lecture says.
Measured with Keras's defaults (``benchmarks/datasets.py``: 2,000 samples, ``distance=100``,
``Embedding(20, 8)``, 32 units, Adam 0.01; Keras 3 itself behaves the same): SimpleRNN learns
it within 4 epochs, GRU after about 24, LSTM not in 30. Small embeddings and an orthogonal
recurrent kernel make an untrained SimpleRNN a good linear memory, while the LSTM's forget
gate starts near 0.73 (bias 1) and erases the first token within a few dozen steps, before
training can find it. At ``distance=20`` an LSTM learns it in a few epochs.

Token ids: 0 is never used (free for padding), ``1..num_classes`` are the class tokens (token
``c + 1`` means class ``c``), ``num_classes + 1 .. vocab_size - 1`` are the distractors.
"""

from __future__ import annotations

import numpy as np

from sloi.datasets import _generated


def load_data(num_samples=2000, distance=100, vocab_size=20, num_classes=2, test_split=0.2,
              seed=0):
    """Generate the sequences.

    Args:
        num_samples: sequences in all (train and test).
        distance: distractor tokens after the class token; sequences have ``distance + 1``
            tokens.
        vocab_size: token ids are below this (for ``Embedding(vocab_size, ...)``).
        num_classes: number of classes (2 or more).
        test_split: the fraction of the sequences kept for testing.
        seed: the random seed; the same arguments and seed give the same data.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` int64 of shape ``(n, distance + 1)``,
        ``y`` int64 class ids, every class equally often.
    """
    name = "long_memory"
    num_samples = _generated.check_int(name, "num_samples", num_samples, 1)
    distance = _generated.check_int(name, "distance", distance, 0)
    num_classes = _generated.check_int(name, "num_classes", num_classes, 2)
    vocab_size = _generated.check_int(name, "vocab_size", vocab_size, 1)
    test_split = _generated.check_fraction(name, "test_split", test_split)
    if vocab_size < num_classes + 2:
        raise ValueError(
            f"{name}.load_data: vocab_size={vocab_size} leaves no distractor token: it must be "
            f"at least num_classes + 2 = {num_classes + 2} (0 for padding, {num_classes} class "
            "tokens, one distractor or more)")
    rng = np.random.default_rng(seed)
    labels = _generated.balanced_labels(rng, num_samples, num_classes)
    x = np.empty((num_samples, distance + 1), dtype=np.int64)
    x[:, 0] = labels + 1
    x[:, 1:] = rng.integers(num_classes + 1, vocab_size, size=(num_samples, distance))
    return _generated.split(x, labels, test_split)
