"""Recurrent models, sloi against the same models written by hand in PyTorch.

Forward + backward per step, batch 64, 200 time steps, the same weights in both (checked
before timing). Models:
- Embedding(20000, 64) → LSTM(64) → Dense(1)
- Embedding(20000, 64) → GRU(64) → Dense(1)
- Embedding(20000, 64) → Conv1D(64, 5, relu) → GlobalMaxPooling1D → Dense(1)
- the lecture's Bidirectional(LSTM(64, return_sequences=True)) → Bidirectional(LSTM(32)) →
  Dense(10), on (200, 10) inputs

Blocks of steps alternate between sloi and torch; the median block is reported.

    python benchmarks/recurrent.py [--steps 5] [--blocks 7] [--device cpu|cuda]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
import torch.nn.functional as F
from torch import nn

import sloi
from sloi import layers as L

BATCH, STEPS, VOCAB, DIM = 64, 200, 20000, 64


# ---------------------------------------------------------------------- hand-written torch
class TorchRecurrent(nn.Module):
    def __init__(self, kind: str, vocab=VOCAB, dim=DIM):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        layer = {"lstm": nn.LSTM, "gru": nn.GRU, "rnn": nn.RNN}[kind]
        self.rnn = layer(dim, dim, batch_first=True)
        self.head = nn.Linear(dim, 1)

    def forward(self, ids):
        _, h = self.rnn(self.embedding(ids))
        h = h[0] if isinstance(h, tuple) else h
        return self.head(h[-1])


class TorchConv(nn.Module):
    def __init__(self, vocab=VOCAB, dim=DIM, filters=64, kernel_size=5):
        super().__init__()
        self.embedding = nn.Embedding(vocab, dim)
        self.conv = nn.Conv1d(dim, filters, kernel_size)
        self.head = nn.Linear(filters, 1)

    def forward(self, ids):
        x = F.relu(self.conv(self.embedding(ids).transpose(1, 2)))
        return self.head(x.amax(dim=2))


class TorchBidirectional(nn.Module):
    def __init__(self, features=10, first=64, second=32, outputs=10):
        super().__init__()
        self.lstm1 = nn.LSTM(features, first, batch_first=True, bidirectional=True)
        self.lstm2 = nn.LSTM(2 * first, second, batch_first=True, bidirectional=True)
        self.head = nn.Linear(2 * second, outputs)

    def forward(self, x):
        x, _ = self.lstm1(x)
        _, (h, _) = self.lstm2(x)
        return self.head(torch.cat([h[0], h[1]], dim=1))


# ---------------------------------------------------------------------- sloi models
def sloi_recurrent(kind: str):
    ids = L.Input(shape=(STEPS,), dtype="int64")
    x = L.Embedding(VOCAB, DIM)(ids)
    x = (L.LSTM if kind == "lstm" else L.GRU)(DIM)(x)
    return sloi.Model(ids, L.Dense(1)(x))


def sloi_conv():
    ids = L.Input(shape=(STEPS,), dtype="int64")
    x = L.Conv1D(64, 5, activation="relu")(L.Embedding(VOCAB, DIM)(ids))
    return sloi.Model(ids, L.Dense(1)(L.GlobalMaxPooling1D()(x)))


def sloi_bidirectional():
    model = sloi.Sequential()
    model.add(L.Bidirectional(L.LSTM(64, return_sequences=True), input_shape=(STEPS, 10)))
    model.add(L.Bidirectional(L.LSTM(32)))
    model.add(L.Dense(10))
    return model


# ---------------------------------------------------------------------- weight copying
def _copy(dst: torch.Tensor, src: torch.Tensor):
    with torch.no_grad():
        dst.copy_(src.reshape(dst.shape))


def _copy_rnn(torch_rnn: nn.Module, sloi_layer, suffix=""):
    from sloi.kernels import rnn as rnn_ops

    cell = sloi_layer.cell
    if isinstance(cell, L.GRUCell):
        weights = rnn_ops.gru_weights(cell.kernel, cell.recurrent_kernel, cell.bias, cell.units)
    else:
        weights = rnn_ops.lstm_weights(cell.kernel, cell.recurrent_kernel, cell.bias)
    for name, w in zip(("weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"), weights):
        _copy(getattr(torch_rnn, name + suffix), w)


def copy_weights(ours, theirs, name: str):
    if name in ("lstm", "gru"):
        emb, rnn, dense = ours.layers[1:]
        _copy(theirs.embedding.weight, emb.embeddings)
        _copy_rnn(theirs.rnn, rnn)
    elif name == "conv1d":
        emb, conv, _, dense = ours.layers[1:]
        _copy(theirs.embedding.weight, emb.embeddings)
        _copy(theirs.conv.weight, conv.kernel.permute(2, 1, 0))
        _copy(theirs.conv.bias, conv.bias)
    else:
        bi1, bi2, dense = ours.layers
        for bi, lstm in ((bi1, theirs.lstm1), (bi2, theirs.lstm2)):
            _copy_rnn(lstm, bi.forward_layer)
            _copy_rnn(lstm, bi.backward_layer, suffix="_reverse")
    _copy(theirs.head.weight, dense.kernel.T)
    _copy(theirs.head.bias, dense.bias)


# ---------------------------------------------------------------------- timing
def time_block(model, x, steps, device):
    start = time.perf_counter()
    for _ in range(steps):
        model.zero_grad(set_to_none=True)
        model(x).sum().backward()
    if device.type == "cuda":
        torch.cuda.synchronize()
    return (time.perf_counter() - start) / steps


CASES = {
    "Embedding → LSTM(64) → Dense": ("lstm", lambda: sloi_recurrent("lstm"),
                                     lambda: TorchRecurrent("lstm")),
    "Embedding → GRU(64) → Dense": ("gru", lambda: sloi_recurrent("gru"),
                                    lambda: TorchRecurrent("gru")),
    "Embedding → Conv1D(64, 5) → GlobalMaxPooling1D → Dense": ("conv1d", sloi_conv, TorchConv),
    "lecture Bidirectional(LSTM 64) → Bidirectional(LSTM 32) → Dense": (
        "bidirectional", sloi_bidirectional, TorchBidirectional),
}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5)
    parser.add_argument("--blocks", type=int, default=7)
    parser.add_argument("--device", default="cuda" if torch.cuda.is_available() else "cpu")
    parser.add_argument("--only", default=None, help="run the cases whose title has this text")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    torch.manual_seed(0)
    print(f"batch {BATCH}, {STEPS} steps, forward+backward, device {device}, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}\n")
    print("| model | hand-written PyTorch (ms) | sloi (ms) | ratio |")
    print("|---|---:|---:|---:|")
    ratios = {}
    for title, (name, make_sloi, make_torch) in CASES.items():
        if args.only and args.only not in title:
            continue
        ours, theirs = make_sloi(), make_torch()
        copy_weights(ours, theirs, name)
        ours.to(device)
        theirs.to(device)
        if name == "bidirectional":
            x = torch.randn(BATCH, STEPS, 10, device=device)
        else:
            x = torch.randint(1, VOCAB, (BATCH, STEPS), device=device)
        torch.testing.assert_close(ours(x), theirs(x), atol=1e-4, rtol=1e-4)
        for model in (ours, theirs):
            time_block(model, x, 2, device)
        times = {"sloi": [], "torch": []}
        for _ in range(args.blocks):
            times["sloi"].append(time_block(ours, x, args.steps, device))
            times["torch"].append(time_block(theirs, x, args.steps, device))
        s, t = statistics.median(times["sloi"]), statistics.median(times["torch"])
        ratios[title] = s / t
        print(f"| {title} | {t * 1e3:.1f} | {s * 1e3:.1f} | {s / t:.3f} |", flush=True)
    return ratios


if __name__ == "__main__":
    main()
