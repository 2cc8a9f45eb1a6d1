"""Where predict's time per batch goes, against a hand-written inference loop.

The lecture's Embedding → LSTM / GRU → Dense model, batch 64: microseconds per batch of
``model.predict`` and of a hand-written ``torch.no_grad()`` loop over the same batches (the
fastest of 7), then the functions sloi spends the most time in (cProfile, own time).

    PYTHONPATH=. python benchmarks/predict_overhead.py [--device cuda] [--layer GRU] [--steps 200]

On a CPU, a tiny model (``--steps 5 --units 8 --batch 8``) costs tens of microseconds a batch,
as a lecture batch does on a GPU: the framework's own work per batch shows as it would there.
"""

from __future__ import annotations

import argparse
import cProfile
import pstats
import time

import numpy as np
import torch

import sloi
from sloi import layers as L


class Hand(torch.nn.Module):
    def __init__(self, layer, vocab, dim):
        super().__init__()
        self.embedding = torch.nn.Embedding(vocab, dim)
        self.rnn = getattr(torch.nn, layer)(dim, dim, batch_first=True)
        self.head = torch.nn.Linear(dim, 1)

    def forward(self, ids):
        _, h = self.rnn(self.embedding(ids))
        return self.head((h[0] if isinstance(h, tuple) else h)[-1])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--layer", default="LSTM", choices=["LSTM", "GRU", "RNN"])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--batches", type=int, default=50)
    parser.add_argument("--units", type=int, default=64)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    device = torch.device(args.device)
    sloi.config.set_device(args.device)
    vocab, dim, batch = 20000, args.units, args.batch
    ids = L.Input(shape=(args.steps,), dtype="int32")
    layer = {"RNN": L.SimpleRNN}.get(args.layer) or getattr(L, args.layer)
    h = layer(dim)(L.Embedding(vocab, dim)(ids))
    model = sloi.Model(ids, L.Dense(1)(h))
    x = np.random.default_rng(0).integers(1, vocab, (batch * args.batches, args.steps))
    x = x.astype("int32")
    hand = Hand(args.layer, vocab, dim).to(device).eval()
    tx = torch.from_numpy(x).long()

    def hand_predict():
        with torch.no_grad():
            return torch.cat([hand(tx[i:i + batch].to(device))
                              for i in range(0, len(tx), batch)]).cpu().numpy()

    def sloi_predict():
        return model.predict(x, batch_size=batch, verbose=0)

    for fn in (hand_predict, sloi_predict):
        fn()
    best = {}
    for _ in range(7):
        for name, fn in (("hand-written", hand_predict), ("sloi", sloi_predict)):
            start = time.perf_counter()
            fn()
            spent = (time.perf_counter() - start) / args.batches * 1e6
            best[name] = min(spent, best.get(name, float("inf")))
    print(f"{args.layer}, {device}, batch {batch}, {args.steps} steps: hand-written "
          f"{best['hand-written']:.0f} us/batch, sloi {best['sloi']:.0f} us/batch, ratio "
          f"{best['sloi'] / best['hand-written']:.2f}")
    profile = cProfile.Profile()
    profile.runcall(sloi_predict)
    pstats.Stats(profile).sort_stats("tottime").print_stats(22)


if __name__ == "__main__":
    main()
