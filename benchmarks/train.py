"""fit() and predict() on the lecture's models: sloi, a hand-written PyTorch loop, Keras 3.

For each model: milliseconds per training step of ``model.fit`` (SGD, the model's loss), the
same model trained by a loop written by hand in PyTorch (same modules, ``torch.optim.SGD``,
zero_grad / forward / loss / backward / step), and Keras 3 on its torch backend; then
milliseconds per batch of ``predict``. Both sides are timed the same way: the fastest epoch
after a first warm-up one (so ``--epochs`` must be 2 or more), the fastest of five predictions.
One run, one table. With ``--device cuda`` both run on the GPU (the hand-written loop moves
each batch there, as a DataLoader loop does); ``--convert-rnn-weights`` turns off the packing
of recurrent weights into one cuDNN buffer, to measure what it saves.

    python benchmarks/train.py [--epochs 3] [--only LSTM] [--no-keras] [--device cuda]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

os.environ.setdefault("KERAS_BACKEND", "torch")

import numpy as np  # noqa: E402
import torch  # noqa: E402
import torch.nn.functional as F  # noqa: E402

import sloi  # noqa: E402
from sloi.layers.recurrent.fused_layout import FusedLayout  # noqa: E402

sys.path.insert(0, os.path.dirname(__file__))
from lecture_models import dense, two_branches  # noqa: E402
from overhead import HandWritten, sync  # noqa: E402
from overhead import copy_weights as copy_dense  # noqa: E402
from recurrent import TorchBidirectional, TorchConv, TorchRecurrent  # noqa: E402
from recurrent import copy_weights as copy_recurrent  # noqa: E402

STEPS, VOCAB = 200, 20000


# ---------------------------------------------------------------------- the lecture's models
def recurrent(kind):
    def build(K):
        ids = K.layers.Input(shape=(STEPS,), dtype="int32")
        h = K.layers.Embedding(VOCAB, 64)(ids)
        if kind == "conv1d":
            h = K.layers.GlobalMaxPooling1D()(K.layers.Conv1D(64, 5, activation="relu")(h))
        else:
            h = (K.layers.LSTM if kind == "lstm" else K.layers.GRU)(64)(h)
        return K.Model(ids, K.layers.Dense(1)(h))
    return build


def bidirectional(K):
    model = K.Sequential()
    model.add(K.layers.Bidirectional(K.layers.LSTM(64, return_sequences=True),
                                     input_shape=(STEPS, 10)))
    model.add(K.layers.Bidirectional(K.layers.LSTM(32)))
    model.add(K.layers.Dense(10))
    return model


class TorchTwoBranches(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.conv1 = torch.nn.Conv2d(1, 64, 4)
        self.conv2 = torch.nn.Conv2d(1, 32, 8)
        self.head = torch.nn.Linear(61 * 61 * 64 + 28 * 28 * 32, 1)

    def forward(self, x):  # x: (batch, 64, 64, 1), channels-last as in Keras
        x = x.permute(0, 3, 1, 2)
        a = F.relu(self.conv1(x)).permute(0, 2, 3, 1).flatten(1)
        b = F.max_pool2d(F.relu(self.conv2(x)), 2).permute(0, 2, 3, 1).flatten(1)
        return torch.sigmoid(self.head(torch.cat([a, b], dim=1)))


def copy_two_branches(ours, theirs):
    convs = [layer for layer in ours.layers if type(layer).__name__ == "Conv2D"]
    by_filters = {layer.filters: layer for layer in convs}
    with torch.no_grad():
        for mine, layer in ((theirs.conv1, by_filters[64]), (theirs.conv2, by_filters[32])):
            mine.weight.copy_(layer.kernel.permute(3, 2, 0, 1))
            mine.bias.copy_(layer.bias)
        dense_layer = ours.layers[-1]
        theirs.head.weight.copy_(dense_layer.kernel.T)
        theirs.head.bias.copy_(dense_layer.bias)


rng = np.random.default_rng(0)


def data(n, kind):
    if kind == "dense":
        return rng.standard_normal((n, 1000)).astype("float32"), rng.integers(
            0, 2, (n, 1)).astype("float32")
    if kind == "image":
        return rng.random((n, 64, 64, 1)).astype("float32"), rng.integers(
            0, 2, (n, 1)).astype("float32")
    if kind == "ids":
        return rng.integers(1, VOCAB, (n, STEPS)).astype("int32"), rng.standard_normal(
            (n, 1)).astype("float32")
    return rng.standard_normal((n, STEPS, 10)).astype("float32"), rng.standard_normal(
        (n, 10)).astype("float32")


CASES = {
    "functional Dense 1000→16→16→1": (dense, "dense", "binary_crossentropy", 32, 64,
                                      HandWritten, lambda o, t: copy_dense(o, t)),
    "two-branch Conv2D (64, 64, 1)": (two_branches, "image", "binary_crossentropy", 32, 8,
                                      TorchTwoBranches, copy_two_branches),
    "Embedding → LSTM(64)": (recurrent("lstm"), "ids", "mse", 64, 6,
                             lambda: TorchRecurrent("lstm"),
                             lambda o, t: copy_recurrent(o, t, "lstm")),
    "Embedding → GRU(64)": (recurrent("gru"), "ids", "mse", 64, 6,
                            lambda: TorchRecurrent("gru"),
                            lambda o, t: copy_recurrent(o, t, "gru")),
    "Embedding → Conv1D → GlobalMaxPooling1D": (recurrent("conv1d"), "ids", "mse", 64, 6,
                                                TorchConv,
                                                lambda o, t: copy_recurrent(o, t, "conv1d")),
    "Bidirectional LSTM ×2": (bidirectional, "seq", "mse", 64, 4, TorchBidirectional,
                              lambda o, t: copy_recurrent(o, t, "bidirectional")),
}

TORCH_LOSSES = {
    "binary_crossentropy": lambda p, y: F.binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), y),
    "mse": F.mse_loss,
}


def hand_written_epoch(model, x, y, batch, loss_fn, optimizer, device):
    start = time.perf_counter()
    for i in range(0, len(x), batch):
        optimizer.zero_grad(set_to_none=True)
        xb = x[i:i + batch].to(device, non_blocking=True)
        yb = y[i:i + batch].to(device, non_blocking=True)
        loss = loss_fn(model(xb), yb)
        loss.backward()
        optimizer.step()
    sync(device)
    return (time.perf_counter() - start) / (len(x) // batch)


class StepTimer(sloi.callbacks.Callback):
    """ms per step of the fastest epoch after the first, measured inside fit."""

    def on_train_begin(self, logs=None):
        self.epochs = []

    def on_epoch_begin(self, epoch, logs=None):
        self.start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append((time.perf_counter() - self.start) / self.params["steps"])
        self.per_step = min(self.epochs[1:] or self.epochs)


def keras_fit_time(model, x, y, batch, epochs):
    import keras

    class KerasTimer(keras.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.per_step = (time.perf_counter() - self.start) / self.params["steps"]

    timer = KerasTimer()
    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0,
              callbacks=[timer])
    return timer.per_step


def predict_time(fn, x, batch, repeats=5):
    """Seconds per batch of the fastest of ``repeats`` whole predictions (after a warm-up)."""
    fn(x[:batch])
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn(x)
        best = min(best, time.perf_counter() - start)
    return best / (len(x) // batch)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--only", default=None)
    parser.add_argument("--no-keras", action="store_true")
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--convert-rnn-weights", action="store_true")
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    sloi.config.set_device(args.device)
    if args.epochs < 2:
        parser.error("--epochs must be 2 or more: the first epoch is a warm-up")
    where = torch.cuda.get_device_name() if device.type == "cuda" else "CPU"
    print(f"{where}, CPU threads {torch.get_num_threads()}, torch {torch.__version__}; "
          f"packed RNN weights {not args.convert_rnn_weights}; ms per step "
          f"(fastest of epochs 2-{args.epochs}) and per predict batch (fastest of 5)\n")
    print("| model | batch | fit: PyTorch loop | fit: sloi | ratio | fit: Keras 3 | "
          "Keras / sloi | predict: PyTorch | predict: sloi | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for title, (builder, kind, loss, batch, n_batches, make_torch, copy) in CASES.items():
        if args.only and args.only not in title:
            continue
        torch.manual_seed(0)
        if device.type == "cuda":  # a GPU step is ~1 ms: a few batches time noise, not steps
            n_batches *= 10
        x, y = data(batch * n_batches, kind)
        ours = builder(sloi)
        if args.convert_rnn_weights:  # each recurrent layer converts its weights per call
            for layer in ours.modules():
                if isinstance(layer, FusedLayout):
                    layer.pack_weights = False
            ours._apply(lambda t: t.contiguous())  # out of any buffer they were laid out in
        theirs = make_torch()
        copy(ours, theirs)
        theirs.to(device)
        ours.compile(optimizer=sloi.optimizers.SGD(0.01), loss=loss)
        timer = StepTimer()
        ours.fit(x, y, batch_size=batch, epochs=args.epochs, shuffle=False, verbose=0,
                 callbacks=[timer])
        tx, ty = torch.from_numpy(x), torch.from_numpy(y)
        if kind == "ids":
            tx = tx.long()
        opt = torch.optim.SGD(theirs.parameters(), lr=0.01)
        hand_written_epoch(theirs, tx, ty, batch, TORCH_LOSSES[loss], opt, device)  # warm-up
        t_torch = min(hand_written_epoch(theirs, tx, ty, batch, TORCH_LOSSES[loss], opt, device)
                      for _ in range(args.epochs - 1))
        keras_cell = "–"
        ratio_keras = "–"
        if not args.no_keras:
            import keras

            keras.backend.clear_session()
            km = builder(keras)
            km.compile(optimizer=keras.optimizers.SGD(0.01), loss=loss)
            k = keras_fit_time(km, x, y, batch, min(args.epochs, 2))
            keras_cell, ratio_keras = f"{k * 1e3:.1f}", f"{k / timer.per_step:.1f}×"
        theirs.eval()
        with torch.no_grad():  # the same job as predict(): every batch, one numpy array
            p_torch = predict_time(lambda a, m=theirs, b=batch: torch.cat(
                [m(a[i:i + b].to(device)) for i in range(0, len(a), b)]).cpu().numpy(), tx, batch)
        p_sloi = predict_time(lambda a, m=ours, b=batch: m.predict(a, batch_size=b, verbose=0),
                              x, batch)
        print(f"| {title} | {batch} | {t_torch * 1e3:.2f} | {timer.per_step * 1e3:.2f} | "
              f"{timer.per_step / t_torch:.2f} | {keras_cell} | {ratio_keras} | "
              f"{p_torch * 1e3:.2f} | {p_sloi * 1e3:.2f} | {p_sloi / p_torch:.2f} |",
              flush=True)


if __name__ == "__main__":
    main()
