"""Python function calls per training step: what the framework runs on the host each batch.

Time per step is noisy on a shared machine; the number of Python calls a step makes is not,
and it is most of a tiny model's per-batch cost. ``sys.setprofile`` counts every Python call
(``call`` events) and every call into C (``c_call``) while the loop runs:

- ``fit``: one epoch of ``2 * N`` batches minus one epoch of ``N`` batches, divided by ``N``:
  the calls of one steady-state step, without what ``fit`` does once per call.
- ``train_on_batch``: one call, after a first one that built the optimizer and metrics.

Also printed: the calls of one whole ``fit`` of ``N`` batches beyond its steps (setting up
data, callbacks, the loop), and the sloi files a steady-state step runs code of.

    PYTHONPATH=. python benchmarks/step_calls.py [--batches 20]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter

import numpy as np

import sloi
from sloi import layers as L

_PACKAGE = os.path.dirname(os.path.abspath(sloi.__file__))


def model(metrics):
    m = sloi.Sequential([L.Input((5,), dtype="int64"), L.Embedding(50, 8), L.LSTM(8),
                         L.Dense(1)])
    m.compile(optimizer=sloi.optimizers.SGD(0.01), loss="mse", metrics=metrics)
    return m


def count(fn) -> tuple[Counter, Counter]:
    """(Python calls, C calls) by file, made while ``fn()`` runs (C calls under the file of
    the Python function that made them)."""
    py, c = Counter(), Counter()

    def profile(frame, event, arg):
        if event == "call":
            py[frame.f_code.co_filename] += 1
        elif event == "c_call":
            c[frame.f_code.co_filename] += 1

    sys.setprofile(profile)
    try:
        fn()
    finally:
        sys.setprofile(None)
    return py, c


def per_step_of_fit(m, x, y, batches: int, batch: int) -> tuple[Counter, Counter, int]:
    """Calls of one steady-state fit step (by file), and the calls of a whole fit of
    ``batches`` batches beyond them."""
    m.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0)  # builds everything
    one = count(lambda: m.fit(x[:batches * batch], y[:batches * batch], batch_size=batch,
                              epochs=1, shuffle=False, verbose=0))
    two = count(lambda: m.fit(x, y, batch_size=batch, epochs=1, shuffle=False, verbose=0))
    step_py = Counter({f: (two[0][f] - one[0][f]) / batches for f in two[0]})
    step_c = Counter({f: (two[1][f] - one[1][f]) / batches for f in two[1]})
    fixed = sum(one[0].values()) - sum(step_py.values()) * batches
    return step_py, step_c, round(fixed)


def per_train_on_batch(m, x, y) -> tuple[Counter, Counter]:
    m.train_on_batch(x, y)
    return count(lambda: m.train_on_batch(x, y))


def sloi_files(calls: Counter) -> list[str]:
    return sorted(os.path.relpath(f, os.path.dirname(_PACKAGE)) for f, n in calls.items()
                  if f.startswith(_PACKAGE) and n >= 0.5)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--batches", type=int, default=20)
    parser.add_argument("--files", action="store_true", help="list the sloi files of a step")
    args = parser.parse_args(argv)
    sloi.config.set_device("cpu")
    rng = np.random.default_rng(0)
    batch = 8
    n = 2 * args.batches * batch
    x = rng.integers(1, 50, (n, 5))
    y = rng.standard_normal((n, 1)).astype("float32")
    print(f"Embedding → LSTM → Dense, batch {batch}, SGD, MSE; calls per step "
          "(Python / into C)\n")
    print("| loop | metrics | Python calls | C calls | sloi files | fit's fixed calls |")
    print("|---|---|---:|---:|---:|---:|")
    for metrics in ([], ["mae"]):
        m = model(metrics)
        py, c, fixed = per_step_of_fit(m, x, y, args.batches, batch)
        label = ", ".join(metrics) or "none"
        print(f"| fit | {label} | {sum(py.values()):.0f} | {sum(c.values()):.0f} | "
              f"{len(sloi_files(py))} | {fixed} |")
        if args.files:
            print("\n".join(f"|   | {f} | {py[os.path.join(os.path.dirname(_PACKAGE), f)]:.0f}"
                            " | | | |" for f in sloi_files(py)))
        py, c = per_train_on_batch(m, x[:batch], y[:batch])
        print(f"| train_on_batch | {label} | {sum(py.values())} | {sum(c.values())} | "
              f"{len(sloi_files(py))} | |")
        if args.files:
            print("\n".join(f"|   | {f} | {py[os.path.join(os.path.dirname(_PACKAGE), f)]}"
                            " | | | |" for f in sloi_files(py)))


if __name__ == "__main__":
    main()
