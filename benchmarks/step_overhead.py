"""The framework's own cost per batch: the lecture's model shapes made tiny, sloi against the
same models written by hand in PyTorch.

A lecture batch on a GPU takes a few hundred microseconds of device work, and whatever the
framework does on the host each batch adds to it once the GPU waits for the host. On a CPU a
tiny model (a few units, a few steps) runs in tens of microseconds, so the same per-batch work
shows here as it does there. For each model: microseconds per training step of ``fit`` (SGD,
MSE) and per batch of ``predict``, against a hand-written loop (zero_grad / forward / loss /
backward / step; a ``torch.no_grad()`` loop for predict) over the same batches. Runs alternate
between the two sides and the fastest of ``--repeats`` is kept.

    PYTHONPATH=. python benchmarks/step_overhead.py [--device cuda] [--only GRU] [--threads 1]

``--lecture`` gives the models the lecture's sizes instead (batch 64, 200 steps, 64 units, a
20,000-word vocabulary): on a GPU, many batches of the real thing (``train.py`` times a few).
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

import sloi
from sloi import layers as L

sys.path.insert(0, os.path.dirname(__file__))
from overhead import HandWritten, sync  # noqa: E402
from recurrent import TorchBidirectional, TorchConv, TorchRecurrent  # noqa: E402

STEPS, VOCAB, UNITS, BATCH = 5, 100, 8, 8


def recurrent(kind):
    ids = L.Input(shape=(STEPS,), dtype="int64")
    layer = {"RNN": L.SimpleRNN}.get(kind) or getattr(L, kind)
    return sloi.Model(ids, L.Dense(1)(layer(UNITS)(L.Embedding(VOCAB, UNITS)(ids))))


def conv():
    ids = L.Input(shape=(STEPS,), dtype="int64")
    x = L.Conv1D(UNITS, 3, activation="relu")(L.Embedding(VOCAB, UNITS)(ids))
    return sloi.Model(ids, L.Dense(1)(L.GlobalMaxPooling1D()(x)))


def bidirectional():
    return sloi.Sequential([L.Input((STEPS, 4)),
                            L.Bidirectional(L.LSTM(UNITS, return_sequences=True)),
                            L.Bidirectional(L.LSTM(4)), L.Dense(1)])


def dense():
    x = L.Input(shape=(32,))
    h = L.Dense(16, activation="relu")(L.Dense(16, activation="relu")(x))
    return sloi.Model(x, L.Dense(1, activation="sigmoid")(h))


rng = np.random.default_rng(0)
def _ids(n):
    return rng.integers(1, VOCAB, (n, STEPS))


CASES = {  # title: (sloi model, hand-written model, inputs (n samples) -> x)
    "Dense 32→16→16→1": (dense, lambda: HandWritten(32), lambda n: rng.standard_normal((n, 32))),
    "Embedding → LSTM": (lambda: recurrent("LSTM"),
                         lambda: TorchRecurrent("lstm", VOCAB, UNITS), _ids),
    "Embedding → GRU": (lambda: recurrent("GRU"), lambda: TorchRecurrent("gru", VOCAB, UNITS),
                        _ids),
    "Embedding → SimpleRNN": (lambda: recurrent("RNN"),
                              lambda: TorchRecurrent("rnn", VOCAB, UNITS), _ids),
    "Embedding → Conv1D → GlobalMaxPooling1D": (
        conv, lambda: TorchConv(VOCAB, UNITS, UNITS, 3), _ids),
    "Bidirectional LSTM ×2": (bidirectional, lambda: TorchBidirectional(4, UNITS, 4, 1),
                              lambda n: rng.standard_normal((n, STEPS, 4))),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--only", default=None)
    parser.add_argument("--batches", type=int, default=200)
    parser.add_argument("--repeats", type=int, default=7)
    parser.add_argument("--threads", type=int, default=0)
    parser.add_argument("--lecture", action="store_true")
    args = parser.parse_args(argv)
    if args.lecture:
        global STEPS, VOCAB, UNITS, BATCH
        STEPS, VOCAB, UNITS, BATCH = 200, 20000, 64, 64
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    sloi.config.set_device(args.device)
    print(f"{torch.cuda.get_device_name() if device.type == 'cuda' else 'CPU'}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}; batch {BATCH}, "
          f"{STEPS} steps, {UNITS} units, µs per batch (fastest of {args.repeats})\n")
    print("| model | fit: by hand | fit: sloi | ratio | predict: by hand | predict: sloi "
          "| ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for title, case in CASES.items():
        if not args.only or args.only in title:
            best = measure(*case, device, args.batches, args.repeats)
            print(f"| {title} | {best['hand fit']:.0f} | {best['sloi fit']:.0f} | "
                  f"{best['sloi fit'] / best['hand fit']:.2f} | {best['hand predict']:.0f} | "
                  f"{best['sloi predict']:.0f} | "
                  f"{best['sloi predict'] / best['hand predict']:.2f} |", flush=True)


def measure(make_sloi, make_hand, make_x, device, batches, repeats) -> dict:
    """µs per batch of each side's fit and predict, the fastest of ``repeats``."""
    n = BATCH * batches
    torch.manual_seed(0)
    x = make_x(n)
    x = x.astype("float32") if x.dtype.kind == "f" else x.astype("int64")
    y = rng.standard_normal((n, 1)).astype("float32")
    ours = make_sloi()
    ours.compile(optimizer=sloi.optimizers.SGD(0.01), loss="mse")
    hand = make_hand().to(device)
    optimizer = torch.optim.SGD(hand.parameters(), lr=0.01)
    tx, ty = torch.from_numpy(x).to(device), torch.from_numpy(y).to(device)

    def hand_fit():
        hand.train()
        for i in range(0, n, BATCH):
            optimizer.zero_grad(set_to_none=True)
            F.mse_loss(hand(tx[i:i + BATCH]), ty[i:i + BATCH]).backward()
            optimizer.step()
        sync(device)

    def hand_predict():
        hand.eval()
        with torch.no_grad():
            return torch.cat([hand(tx[i:i + BATCH]) for i in range(0, n, BATCH)]).cpu().numpy()

    def sloi_fit():
        ours.fit(x, y, batch_size=BATCH, epochs=1, shuffle=False, verbose=0)
        sync(device)

    def sloi_predict():
        return ours.predict(x, batch_size=BATCH, verbose=0)

    sides = {"hand fit": hand_fit, "sloi fit": sloi_fit, "hand predict": hand_predict,
             "sloi predict": sloi_predict}
    for fn in sides.values():
        fn()
    best = {}
    for _ in range(repeats):
        for name, fn in sides.items():
            start = time.perf_counter()
            fn()
            spent = (time.perf_counter() - start) / batches * 1e6
            best[name] = min(spent, best.get(name, float("inf")))
    return best


if __name__ == "__main__":
    main()
