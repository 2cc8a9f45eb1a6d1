"""Are the generated data sets learnable by the model each is meant for, and not by the model it
is meant to defeat? The long versions of the checks in ``tests/datasets`` (which stay small).

For each data set: test accuracy after each epoch of the model it is for and of the model it
should defeat, and the seconds each took. One run, one table.

    python benchmarks/datasets.py [--only long_memory] [--epochs 20] [--samples 2000]
        [--distance 100] [--threads 1]

long_memory compares LSTM, GRU and SimpleRNN with Keras's default initialisers, and an LSTM
whose forget-gate bias starts at 4 instead of 1 (the gate starts near 1).

Measured on the 2-core CPU machine, one thread, 2,000 samples, ``--epochs 30`` for
long_memory and ``--epochs 8`` for the others (best test accuracy):

    long_memory d=100: LSTM                 0.50  (never learns in 30 epochs)
    long_memory d=100: LSTM forget bias 4   0.50
    long_memory d=100: GRU                  1.00  (from epoch 24)
    long_memory d=100: SimpleRNN            1.00  (from epoch 4)
    moving_ball: ConvLSTM2D over the frames 1.00  (from epoch 3)
    moving_ball: Conv2D on the last frame   0.28  (chance 0.25)
    lookahead: LSTM                         0.50  (chance)
    lookahead: Bidirectional(LSTM)          1.00

At 100 steps SimpleRNN beats LSTM, against the lecture's claim; Keras 3 itself gives the same
(SimpleRNN learns d=50 in one epoch, LSTM not in eight). See ``sloi/datasets/long_memory.py``.
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


def _forget_bias(units, value):
    def init(shape, dtype=None):
        bias = torch.zeros(shape, dtype=dtype or torch.float32)
        bias[units:2 * units] = value  # Keras's gate order: i, f, c, o
        return bias
    return init


def bench_long_memory(args):
    data = long_memory.load_data(num_samples=args.samples, distance=args.distance,
                                 vocab_size=20, seed=0)
    units = 32
    cells = {
        "LSTM": lambda: layers.LSTM(units),
        "LSTM forget bias 4": lambda: layers.LSTM(units, unit_forget_bias=False,
                                                  bias_initializer=_forget_bias(units, 4.0)),
        "GRU": lambda: layers.GRU(units),
        "SimpleRNN": lambda: layers.SimpleRNN(units),
    }
    rows = []
    for name, make in cells.items():
        torch.manual_seed(0)
        model = sloi.Sequential([sloi.Input(shape=(args.distance + 1,), dtype="int64"),
                                 layers.Embedding(20, 8), make(),
                                 layers.Dense(2, activation="softmax")])
        rows.append((f"long_memory d={args.distance}: {name}", *_fit(model, data, args.epochs)))
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
    parser.add_argument("--samples", type=int, default=2000)
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
