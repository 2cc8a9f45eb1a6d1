"""CUDA check of training (run on a machine with a GPU).

1. ``fit`` on an Embedding → LSTM model on CUDA: host syncs counted with torch's sync debug
   mode (they must not grow with the number of steps), and ms per step against the same
   model trained by a hand-written loop, with sloi's recurrent weights packed into one cuDNN
   buffer (the default) and converted at every call (``layer.pack_weights = False``).
2. How the recurrent weights reach cuDNN, forward+backward of one layer: sloi's packed
   parameters (a GRU's gathered buffer), sloi converting per call, and nn.LSTM's / nn.GRU's
   own flattened weights; CUDA kernels launched per step (from the profiler) and ms per step.
   Also: the one-buffer path gives the converted path's numbers and gradients.

    PYTHONPATH=. python benchmarks/cuda_train_check.py
"""

from __future__ import annotations

import time
import warnings

import numpy as np
import torch

import sloi
from sloi import layers as L
from sloi.layers.recurrent.fused_layout import FusedLayout


def use_packing(model, packed: bool):
    """Pack (the default) or convert per call; converting starts from separate contiguous
    parameters, as before packing existed."""
    for layer in model.modules():
        if isinstance(layer, FusedLayout):
            layer.pack_weights = packed
    if not packed:
        model._apply(lambda t: t.contiguous())


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
    sloi_ms = {}
    for packed in (True, False, True, False):  # interleaved; the faster of the two runs
        use_packing(model, packed)
        model.fit(x[:128], y[:128], batch_size=64, epochs=1, verbose=0)
        torch.cuda.synchronize()
        start = time.perf_counter()
        model.fit(x, y, batch_size=64, epochs=2, verbose=0)
        torch.cuda.synchronize()
        ms = (time.perf_counter() - start) / 40 * 1e3
        sloi_ms[packed] = min(ms, sloi_ms.get(packed, float("inf")))
    use_packing(model, True)
    model.predict(x[:64], verbose=0)  # packs again
    save_check(model, x[:256])

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
    print(f"fit LSTM step: hand-written {hand_ms:.2f} ms; sloi packed {sloi_ms[True]:.2f} ms "
          f"(ratio {sloi_ms[True] / hand_ms:.2f}), sloi converting {sloi_ms[False]:.2f} ms "
          f"(ratio {sloi_ms[False] / hand_ms:.2f})", flush=True)


def save_check(model, x):
    """A packed model's weights file, loaded into a new model, gives its weights back."""
    import os
    import tempfile

    with tempfile.TemporaryDirectory() as folder:
        path = os.path.join(folder, "lstm.weights.safetensors")
        model.save_weights(path)
        twin = lstm_model()
        twin.load_weights(path)
    same = all(np.array_equal(a, b) for a, b in zip(twin.get_weights(), model.get_weights()))
    err = np.abs(twin.predict(x, verbose=0) - model.predict(x, verbose=0)).max()
    print(f"{'ok ' if same and err < 1e-5 else 'BAD'} save_weights from packed CUDA weights "
          f"and load_weights: weights equal {same}, predictions differ by {err:.1e}",
          flush=True)


def _kernels_per_step(fn):
    from torch.profiler import ProfilerActivity, profile

    fn().sum().backward()
    torch.cuda.synchronize()
    with profile(activities=[ProfilerActivity.CUDA]) as prof:
        for _ in range(3):
            fn().sum().backward()
        torch.cuda.synchronize()
    return sum(e.count for e in prof.key_averages() if e.device_type.name == "CUDA") / 3


def weights_check():
    torch.manual_seed(0)
    batch, steps, units = 64, 200, 64
    x = torch.randn(batch, steps, units, device="cuda")
    results, ok = {}, True
    for name, make in (("LSTM", lambda: L.LSTM(units, return_sequences=True)),
                       ("SimpleRNN", lambda: L.SimpleRNN(units, return_sequences=True)),
                       ("Bidirectional(LSTM)", lambda: L.Bidirectional(
                           L.LSTM(units, return_sequences=True))),
                       ("GRU", lambda: L.GRU(units, return_sequences=True)),
                       ("Bidirectional(GRU)", lambda: L.Bidirectional(
                           L.GRU(units, return_sequences=True)))):
        layer = make()
        layer(x[:1].cpu())
        layer.to("cuda")
        grads = {}
        for packed in (False, True):
            use_packing(layer, packed)
            layer.zero_grad(set_to_none=True)
            out = layer(x)
            out.square().mean().backward()
            grads[packed] = [out.detach()] + [p.grad.clone() for p in layer.trainable_weights]
        shared = {p.untyped_storage().data_ptr() for p in layer.trainable_weights}
        holder = layer.fused_weights
        laid_out = holder.layout == "cudnn" if "GRU" in name else len(shared) == 1
        err = max((a - b).abs().max().item() for a, b in zip(grads[True], grads[False]))
        good = laid_out and err < 1e-5 and layer.last_path == "fused"
        ok &= good
        how = "gathered" if "GRU" in name else f"packed into {len(shared)} buffer(s)"
        print(f"{'ok ' if good else 'BAD'} {name}: {how}, largest difference from converting "
              f"{err:.1e}", flush=True)
        results[name] = layer
    torch_lstm = torch.nn.LSTM(units, units, batch_first=True).cuda()
    print("\n| forward+backward, batch 64, 200 steps, 64 units | CUDA kernels | ms |")
    torch_gru = torch.nn.GRU(units, units, batch_first=True).cuda()
    print("|---|---:|---:|")
    rows = [("nn.LSTM (flattened)", None, None, lambda: torch_lstm(x)[0]),
            ("nn.GRU (flattened)", None, None, lambda: torch_gru(x)[0])]
    for name, layer in results.items():
        rows += [(f"sloi {name}, one buffer", layer, True, lambda m=layer: m(x)),
                 (f"sloi {name}, converted per call", layer, False, lambda m=layer: m(x))]
    for title, layer, packed, fn in rows:
        if layer is not None:
            use_packing(layer, packed)
        kernels = _kernels_per_step(fn)
        best = float("inf")
        for _ in range(3):
            torch.cuda.synchronize()
            start = time.perf_counter()
            for _ in range(30):
                fn().sum().backward()
            torch.cuda.synchronize()
            best = min(best, (time.perf_counter() - start) / 30 * 1e3)
        print(f"| {title} | {kernels:.0f} | {best:.3f} |", flush=True)
    for layer in results.values():
        use_packing(layer, True)
    return ok


if __name__ == "__main__":
    print(torch.__version__, torch.cuda.get_device_name(), flush=True)
    good = weights_check()
    fit_check()
    print("ALL OK" if good else "SOME CHECKS FAILED")
