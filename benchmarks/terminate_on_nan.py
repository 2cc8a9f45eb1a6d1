"""What ``TerminateOnNaN`` costs a training step: ``fit`` of a model of about 1M weights
(Input(1000) → Dense(1000) → Dense(1)), Adam, MSE, without the callback, with
``TerminateOnNaN()`` (the weight check plus a copy of the weights and of Adam's state after
each good step) and with ``TerminateOnNaN(restore=False)`` (the checks only), beside the same
step written by hand in PyTorch. Runs alternate between the four and the fastest of
``--repeats`` is kept.

    PYTHONPATH=. python benchmarks/terminate_on_nan.py [--device cuda] [--threads 1]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

import sloi
from sloi import layers as L

sys.path.insert(0, os.path.dirname(__file__))
from overhead import sync  # noqa: E402

FEATURES, UNITS, BATCH = 1000, 1000, 32


def sloi_model():
    x = L.Input((FEATURES,))
    model = sloi.Model(x, L.Dense(1)(L.Dense(UNITS, activation="relu")(x)))
    model.compile(sloi.optimizers.Adam(1e-4), "mse")
    return model


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    sloi.config.set_device(args.device)
    rng = np.random.default_rng(0)
    n = BATCH * args.batches
    x = rng.standard_normal((n, FEATURES)).astype("float32")
    y = rng.standard_normal((n, 1)).astype("float32")
    weights = sum(int(np.prod(w.shape)) for w in sloi_model().get_weights())

    hand = nn.Sequential(nn.Linear(FEATURES, UNITS), nn.ReLU(), nn.Linear(UNITS, 1)).to(device)
    hand_opt = torch.optim.Adam(hand.parameters(), 1e-4)
    tx, ty = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    def by_hand():
        for i in range(0, n, BATCH):
            hand_opt.zero_grad()
            F.mse_loss(hand(tx[i:i + BATCH]), ty[i:i + BATCH]).backward()
            hand_opt.step()

    models = {name: sloi_model() for name in ("no callback", "restore", "checks only")}
    callbacks = {"no callback": [], "restore": [sloi.callbacks.TerminateOnNaN()],
                 "checks only": [sloi.callbacks.TerminateOnNaN(restore=False)]}
    runs = {"by hand": by_hand}
    for name, model in models.items():
        runs[name] = (lambda m=model, c=callbacks[name]:
                      m.fit(x, y, batch_size=BATCH, shuffle=False, verbose=0, callbacks=c))
    best = {name: float("inf") for name in runs}
    for run in runs.values():  # warm-up: builds, allocations, the first fit's setup
        run()
    for _ in range(args.repeats):
        for name, run in runs.items():
            sync(device)
            start = time.perf_counter()
            run()
            sync(device)
            best[name] = min(best[name], (time.perf_counter() - start) / args.batches * 1e6)
    print(f"{torch.cuda.get_device_name() if device.type == 'cuda' else 'CPU'}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}; {weights:,} weights, "
          f"Adam, batch {BATCH}; µs per step, fastest of {args.repeats}\n")
    print("| by hand | fit | fit + TerminateOnNaN() | fit + TerminateOnNaN(restore=False) |")
    print("|---:|---:|---:|---:|")
    print(f"| {best['by hand']:.0f} | {best['no callback']:.0f} | {best['restore']:.0f} "
          f"(+{best['restore'] - best['no callback']:.0f}) | {best['checks only']:.0f} "
          f"(+{best['checks only'] - best['no callback']:.0f}) |")


if __name__ == "__main__":
    main()
