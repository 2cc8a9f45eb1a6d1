"""Are the generated data sets learnable by the model each is meant for, and not by the model it
is meant to defeat? The long versions of the checks in ``tests/datasets`` (which stay small).

For each data set: test accuracy after each epoch of the model it is for and of the model it
should defeat, and the seconds each took. One run, one table.

    python benchmarks/datasets.py [--only long_memory] [--epochs 20] [--samples 2000]
        [--distance 100] [--threads 1]

long_memory compares LSTM, GRU and SimpleRNN with Keras's default initialisers on the data set
as generated (training gaps varied, 4 classes, chance 0.25) and, with ``--fixed-gaps``, with every
training gap at the full distance.

Measured on the 2-core CPU machine, one thread, 4,000 samples, 20 epochs for long_memory and
``--epochs 8 --samples 2000`` for the others (best test accuracy):

    long_memory d=100: LSTM                 1.00  (0.96 from epoch 3)
    long_memory d=100: GRU                  1.00  (from epoch 2)
    long_memory d=100: SimpleRNN            0.46  (last 0.25; chance 0.25)
    long_memory d=100, fixed gaps: LSTM     0.26  (no gradient reaches the class token)
    long_memory d=100, fixed gaps: GRU      0.28
    long_memory d=100, fixed gaps: SimpleRNN 0.63 (last 0.26)
    moving_ball: ConvLSTM2D over the frames 1.00  (from epoch 3)
    moving_ball: Conv2D on the last frame   0.28  (chance 0.25)
    lookahead: LSTM                         0.50  (chance)
    lookahead: Bidirectional(LSTM)          1.00

More seeds and distances are in ``sloi/datasets/long_memory.py``.
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import sloi
from sloi import layers
from sloi.datasets import long_memory, lookahead, moving_ball


def _fit(model, data, epochs, lr=0.01, batch_size=32):
    (x, y), (x_test, y_test) = data
    model.compile(optimizer=sloi.optimizers.Adam(lr), loss="sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    start = time.perf_counter()
    history = model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0,
                        validation_data=(x_test, y_test))
    return history.history["val_accuracy"], time.perf_counter() - start


def bench_long_memory(args):
    data = long_memory.load_data(num_samples=args.samples, distance=args.distance,
                                 train_gaps="fixed" if args.fixed_gaps else "varied", seed=0)
    gaps = ", fixed gaps" if args.fixed_gaps else ""
    rows = []
    for cell in (layers.LSTM, layers.GRU, layers.SimpleRNN):
        sloi.utils.set_random_seed(0)
        model = sloi.Sequential([sloi.Input(shape=(args.distance + 2,), dtype="int64"),
                                 layers.Embedding(20, 8), cell(32),
                                 layers.Dense(4, activation="softmax")])
        rows.append((f"long_memory d={args.distance}{gaps}: {cell.__name__}",
                     *_fit(model, data, args.epochs)))
    return rows


def bench_moving_ball(args):
    data = moving_ball.load_data(num_samples=args.samples, frames=6, size=16, seed=0)
    (x, y), (x_test, y_test) = data
    torch.manual_seed(0)
    sequence = sloi.Sequential([sloi.Input(shape=x.shape[1:]),
                                layers.ConvLSTM2D(8, 3, padding="same"), layers.Flatten(),
                                layers.Dense(4, activation="softmax")])
    single = sloi.Sequential([sloi.Input(shape=x.shape[2:]),
                              layers.Conv2D(16, 3, padding="same", activation="relu"),
                              layers.Flatten(), layers.Dense(4, activation="softmax")])
    return [("moving_ball: ConvLSTM2D over the frames", *_fit(sequence, data, args.epochs)),
            ("moving_ball: Conv2D on the last frame",
             *_fit(single, ((x[:, -1], y), (x_test[:, -1], y_test)), args.epochs))]


def bench_lookahead(args):
    data = lookahead.load_data(num_samples=args.samples, steps=20, seed=0)
    rows = []
    for bidirectional in (False, True):
        torch.manual_seed(0)
        rnn = layers.LSTM(32, return_sequences=True)
        model = sloi.Sequential([sloi.Input(shape=(20,), dtype="int64"), layers.Embedding(11, 8),
                                 layers.Bidirectional(rnn) if bidirectional else rnn,
                                 layers.Dense(2, activation="softmax")])
        name = "Bidirectional(LSTM)" if bidirectional else "LSTM"
        rows.append((f"lookahead: {name}", *_fit(model, data, args.epochs)))
    return rows


BENCHES = {"long_memory": bench_long_memory, "moving_ball": bench_moving_ball,
           "lookahead": bench_lookahead}


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--only", choices=sorted(BENCHES))
    parser.add_argument("--epochs", type=int, default=20)
    parser.add_argument("--samples", type=int, default=4000)
    parser.add_argument("--fixed-gaps", action="store_true",
                        help="long_memory: every training gap at the full distance")
    parser.add_argument("--distance", type=int, default=100)
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads; small recurrent models run fastest on one")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    print(f"{'model':<48} {'best':>5} {'last':>5} {'s':>6}  accuracy by epoch")
    for name, bench in BENCHES.items():
        if args.only and name != args.only:
            continue
        for label, accuracy, seconds in bench(args):
            trace = " ".join(f"{a:.2f}" for a in accuracy)
            print(f"{label:<48} {np.max(accuracy):5.2f} {accuracy[-1]:5.2f} {seconds:6.1f}  "
                  f"{trace}", flush=True)


if __name__ == "__main__":
    main()
