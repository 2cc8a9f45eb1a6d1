"""CUDA check of training (run on a machine with a GPU).

1. ``fit`` on an Embedding → LSTM model on CUDA: host syncs counted with torch's sync debug
   mode (they must not grow with the number of steps), and ms per step against the same
   model trained by a hand-written loop.
2. How the recurrent weights reach cuDNN: converted per call (sloi today), packed into one
   flat buffer per call, and nn.LSTM's own flattened weights, forward+backward.

    PYTHONPATH=. python benchmarks/cuda_train_check.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch
from torch import _VF

import sloi
from sloi import layers as L


def lstm_model():
    ids = L.Input(shape=(200,), dtype="int64")
    h = L.LSTM(64)(L.Embedding(20000, 64)(ids))
    return sloi.Model(ids, L.Dense(1)(h))


def count_syncs(model, x, y, batch, epochs):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        torch.cuda.set_sync_debug_mode("warn")
        model.fit(x, y, batch_size=batch, epochs=epochs, verbose=0, shuffle=True)
        torch.cuda.set_sync_debug_mode(0)
    return sum("synchroniz" in str(w.message) for w in caught)


def fit_check():
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x = rng.integers(1, 20000, (64 * 20, 200))
    y = rng.standard_normal((64 * 20, 1)).astype("float32")
    model = lstm_model()
    model.compile(optimizer=sloi.optimizers.SGD(0.01), loss="mse")
    model.fit(x[:128], y[:128], batch_size=64, epochs=1, verbose=0)  # warm-up, builds
    one = count_syncs(model, x[:64 * 5], y[:64 * 5], 64, 1)
    many = count_syncs(model, x, y, 64, 1)
    print(f"host syncs in fit: {one} for 5 steps, {many} for 20 steps")
    torch.cuda.synchronize()
    start = time.perf_counter()
    model.fit(x, y, batch_size=64, epochs=2, verbose=0)
    torch.cuda.synchronize()
    sloi_ms = (time.perf_counter() - start) / 40 * 1e3

    class Hand(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.emb = torch.nn.Embedding(20000, 64)
            self.lstm = torch.nn.LSTM(64, 64, batch_first=True)
            self.head = torch.nn.Linear(64, 1)

        def forward(self, ids):
            _, (h, _) = self.lstm(self.emb(ids))
            return self.head(h[-1])

    hand = Hand().cuda()
    opt = torch.optim.SGD(hand.parameters(), lr=0.01)
    tx, ty = torch.from_numpy(x).cuda(), torch.from_numpy(y).cuda()
    for epoch in range(3):
        if epoch == 1:
            torch.cuda.synchronize()
            start = time.perf_counter()
        order = torch.randperm(len(tx), device="cuda")
        for i in range(0, len(tx), 64):
            idx = order[i:i + 64]
            opt.zero_grad(set_to_none=True)
            torch.nn.functional.mse_loss(hand(tx[idx]), ty[idx]).backward()
            opt.step()
    torch.cuda.synchronize()
    hand_ms = (time.perf_counter() - start) / 40 * 1e3
    print(f"fit LSTM step: sloi {sloi_ms:.2f} ms, hand-written {hand_ms:.2f} ms, "
          f"ratio {sloi_ms / hand_ms:.2f}")


def weights_check():
    torch.manual_seed(0)
    batch, steps, units = 64, 200, 64
    x = torch.randn(batch, steps, units, device="cuda")
    k = torch.randn(units, 4 * units, device="cuda", requires_grad=True)
    rk = torch.randn(units, 4 * units, device="cuda", requires_grad=True)
    b = torch.zeros(4 * units, device="cuda", requires_grad=True)
    h0 = torch.zeros(1, batch, units, device="cuda")
    lstm = torch.nn.LSTM(units, units, batch_first=True).cuda()

    def per_call():
        ws = [k.t().contiguous(), rk.t().contiguous(), b, torch.zeros_like(b)]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _VF.lstm(x, (h0, h0), ws, True, 1, 0.0, True, False, True)[0]

    def flat():
        buf = torch.cat([k.t().reshape(-1), rk.t().reshape(-1), b, torch.zeros_like(b)])
        n1, n2 = 4 * units * units, 4 * units * units
        ws = [buf[:n1].view(4 * units, units), buf[n1:n1 + n2].view(4 * units, units),
              buf[n1 + n2:n1 + n2 + 4 * units], buf[n1 + n2 + 4 * units:]]
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            out = _VF.lstm(x, (h0, h0), ws, True, 1, 0.0, True, False, True)[0]
        flat.warned = any("contiguous chunk" in str(w.message) for w in caught)
        return out

    def module():
        return lstm(x)[0]

    for name, fn in (("per-call conversion", per_call), ("one flat buffer", flat),
                     ("nn.LSTM", module)):
        for _ in range(5):
            fn().sum().backward()
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(50):
            fn().sum().backward()
        torch.cuda.synchronize()
        extra = f" (cuDNN warned: {flat.warned})" if fn is flat else ""
        print(f"LSTM fwd+bwd, {name}: {(time.perf_counter() - start) / 50 * 1e3:.3f} ms{extra}")


if __name__ == "__main__":
    print(torch.__version__, torch.cuda.get_device_name())
    fit_check()
    weights_check()
