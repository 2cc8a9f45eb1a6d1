"""The string stage's cost on the host: TextVectorization on a batch of raw strings.

    PYTHONPATH=. python benchmarks/string_stage.py

Prints microseconds per batch for batches of 32 and 1024 strings of about 20 words, in "int"
mode (padded ids) and "multi_hot" mode, with a vocabulary of 2000 tokens.
"""

import time

import numpy as np

from sloi.layers import TextVectorization


def texts(n, rng):
    words = [f"w{i}" for i in range(3000)]
    return np.array([" ".join(rng.choice(words, rng.integers(5, 35))) + "!" for _ in range(n)])


def per_batch(layer, batch, repeats):
    layer(batch)
    start = time.perf_counter()
    for _ in range(repeats):
        layer(batch)
    return (time.perf_counter() - start) / repeats * 1e6


def main():
    rng = np.random.default_rng(0)
    vocab = [f"w{i}" for i in range(2000)]
    for mode in ("int", "multi_hot"):
        kwargs = {"output_sequence_length": 32} if mode == "int" else {}
        layer = TextVectorization(vocabulary=vocab, output_mode=mode, **kwargs)
        for n, repeats in ((32, 300), (1024, 20)):
            us = per_batch(layer, texts(n, rng), repeats)
            print(f"{mode:10s} batch {n:5d}: {us:9.0f} us/batch  {us / n:6.2f} us/string")


if __name__ == "__main__":
    main()
