"""ms per ``fit()`` training step of LSTM, GRU and SimpleRNN, with GRU's and SimpleRNN's
hand-written backward (``sloi/kernels/rnn_backward.py``, ``layer.fused_backward``) on and off.

Sizes:
- the lecture's: ``Embedding(20000, 64) → <layer>(64) → Dense(1, sigmoid)``, batch 64,
  200 steps, Adam, binary cross-entropy;
- the tour's chapter "The vanishing gradient": ``Embedding(20, 8) → <layer>(32) →
  Dense(4, softmax)``, batch 32, 102 and 202 steps, Adam(0.01), sparse categorical
  cross-entropy.

Each measurement is one ``fit`` epoch over a fixed number of batches; the models take turns
(interleaved), and each row keeps the fastest of ``--repeats``. ``--threads`` runs the whole
table for each thread count. Also the backward pass alone of one layer (forward excluded):
GRU / SimpleRNN through the hand-written backward against torch's LSTM kernel (oneDNN), to
judge whether the same scheme would pay for LSTM.

    PYTHONPATH=. python benchmarks/rnn_backward.py [--threads 1 2] [--repeats 3] [--quick]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch

import sloi
from sloi import layers as L

KINDS = {"LSTM": L.LSTM, "GRU": L.GRU, "SimpleRNN": L.SimpleRNN}


def lecture_model(kind, fused_backward):
    model = sloi.Sequential([L.Input((200,), dtype="int64"), L.Embedding(20000, 64),
                             KINDS[kind](64), L.Dense(1, activation="sigmoid")])
    model.layers[1].fused_backward = fused_backward
    model.compile(optimizer=sloi.optimizers.Adam(), loss="binary_crossentropy")
    return model


def tour_model(kind, fused_backward, steps):
    model = sloi.Sequential([L.Input((steps,), dtype="int64"), L.Embedding(20, 8),
                             KINDS[kind](32), L.Dense(4, activation="softmax")])
    model.layers[1].fused_backward = fused_backward
    model.compile(optimizer=sloi.optimizers.Adam(0.01),
                  loss="sparse_categorical_crossentropy")
    return model


def configs():
    """``(kind, fused_backward)`` rows: LSTM has no hand-written backward."""
    return [("LSTM", True), ("GRU", False), ("GRU", True), ("SimpleRNN", False),
            ("SimpleRNN", True)]


def time_table(make, x, y, batch, repeats):
    """ms per step of each config, interleaved, fastest of ``repeats``: wall-clock, and the
    process's CPU time (which another process's load on the machine does not inflate; with
    one thread it is the step's own time)."""
    models = {c: make(*c) for c in configs()}
    for model in models.values():  # warm-up: builds, first allocations
        model.fit(x[:batch * 2], y[:batch * 2], batch_size=batch, epochs=1, verbose=0,
                  shuffle=False)
    best = {c: (float("inf"), float("inf")) for c in models}
    steps = len(x) // batch
    for _ in range(repeats):
        for c, model in models.items():
            start, cpu = time.perf_counter(), time.process_time()
            model.fit(x, y, batch_size=batch, epochs=1, verbose=0, shuffle=False)
            wall = (time.perf_counter() - start) / steps * 1e3
            cpu = (time.process_time() - cpu) / steps * 1e3
            best[c] = (min(best[c][0], wall), min(best[c][1], cpu))
        paths = {c: m.layers[1].last_path for c, m in models.items()}
    return best, paths


def print_table(title, best, paths):
    lstm, lstm_cpu = best[("LSTM", True)]
    print(f"\n{title}\n")
    print("| layer | backward | path | ms / step (wall) | / LSTM | ms / step (CPU) | / LSTM |")
    print("|---|---|---|---:|---:|---:|---:|")
    for (kind, on), (ms, cpu) in best.items():
        how = "—" if kind == "LSTM" else ("hand-written" if on else "autograd (before)")
        print(f"| {kind} | {how} | {paths[(kind, on)]} | {ms:.1f} | {ms / lstm:.2f} | "
              f"{cpu:.1f} | {cpu / lstm_cpu:.2f} |")
    gru, rnn = best[("GRU", True)][0], best[("SimpleRNN", True)][0]
    print(f"\ntargets (wall): GRU <= LSTM: {'met' if gru <= lstm else 'NOT met'} "
          f"({gru / lstm:.2f}); SimpleRNN <= 0.7 LSTM: "
          f"{'met' if rnn <= 0.7 * lstm else 'NOT met'} ({rnn / lstm:.2f})", flush=True)


def backward_only(batch, steps, units, repeats):
    """ms of the backward pass alone of one layer on ``(batch, steps, units)`` inputs."""
    rows = {}
    for name, make in (("LSTM (oneDNN)", lambda: L.LSTM(units, return_sequences=True)),
                       ("GRU (hand-written)", lambda: L.GRU(units, return_sequences=True)),
                       ("GRU (autograd)", lambda: _off(L.GRU(units, return_sequences=True))),
                       ("SimpleRNN (hand-written)",
                        lambda: L.SimpleRNN(units, return_sequences=True)),
                       ("SimpleRNN (autograd)",
                        lambda: _off(L.SimpleRNN(units, return_sequences=True)))):
        layer = make()
        x = torch.randn(batch, steps, units, requires_grad=True)
        layer(x)
        rows[name] = (layer, x)
    best = {name: float("inf") for name in rows}
    torch.set_flush_denormal(True)
    try:
        for _ in range(repeats):
            for name, (layer, x) in rows.items():
                out = layer(x)
                grad = torch.ones_like(out)
                start = time.thread_time()  # CPU time: one thread, the load cannot inflate it
                out.backward(grad)
                best[name] = min(best[name], (time.thread_time() - start) * 1e3)
    finally:
        torch.set_flush_denormal(False)
    print(f"\nbackward pass alone (CPU ms of the calling thread), batch {batch}, {steps} "
          f"steps, {units} units\n")
    print("| layer | ms |")
    print("|---|---:|")
    for name, ms in best.items():
        print(f"| {name} | {ms:.2f} |")


def _off(layer):
    layer.fused_backward = False
    return layer


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--quick", action="store_true", help="fewer batches a measurement")
    args = parser.parse_args(argv)
    rng = np.random.default_rng(0)
    lecture_batches, tour_batches = (3, 8) if args.quick else (8, 24)
    for threads in args.threads:
        torch.set_num_threads(threads)
        print(f"\n## {threads} thread(s), torch {torch.__version__}")
        n = 64 * lecture_batches
        x = rng.integers(1, 20000, (n, 200))
        y = rng.integers(0, 2, (n, 1)).astype("float32")
        best, paths = time_table(lecture_model, x, y, 64, args.repeats)
        print_table("lecture: Embedding(20000, 64) → <layer>(64), batch 64, 200 steps",
                    best, paths)
        for steps in (102, 202):
            n = 32 * tour_batches
            x = rng.integers(0, 20, (n, steps))
            y = rng.integers(0, 4, (n,))
            best, paths = time_table(lambda k, f, s=steps: tour_model(k, f, s), x, y, 32,
                                     args.repeats)
            print_table(f"tour: Embedding(20, 8) → <layer>(32), batch 32, {steps} steps",
                        best, paths)
        backward_only(64, 200, 64, args.repeats + 2)
        backward_only(32, 202, 32, args.repeats + 2)


if __name__ == "__main__":
    main()
