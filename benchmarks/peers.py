"""sloi beside its peers on the lecture's six models: ms per training step and per predict batch.

Contestants, each in its own process (so one's allocator or floating-point state cannot help
or hurt another), interleaved round by round, the fastest round kept:

- ``pytorch``: the same model written by hand in PyTorch, trained by a plain loop (Adam);
  PyTorch's defaults, so denormal numbers are kept;
- ``pytorch-ftz``: the same, with ``torch.set_flush_denormal(True)`` set before torch starts
  its threads (so every thread flushes), as JAX and TensorFlow do by themselves;
- ``sloi``: ``model.fit`` / ``model.predict``, sloi's defaults;
- ``keras-jax``, ``keras-tensorflow``, ``keras-torch``: Keras 3 on that backend, run by the
  Python given with ``--keras-python`` (an environment with keras and jax / tensorflow; the
  torch backend runs in this one); a backend that is not installed there is skipped.

Sizes as issue 18's table: batch 64, 200 steps, vocabulary 20k, 64 units; the Dense and
Conv2D models at the lecture's sizes, batch 32. Fit time is the fastest epoch after a warm-up
one; predict time the fastest of three whole predictions.

    python benchmarks/peers.py [--rounds 2] [--only GRU] [--keras-python /path/to/python]

On a machine others use too, ``--clock cpu`` times the process's CPU time instead of the wall
clock (with ``--threads 1``; JAX and TensorFlow run threads of their own, whose time it adds).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time

import numpy as np

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from lecture_models import dense, two_branches  # noqa: E402

STEPS, VOCAB, UNITS = 200, 20000, 64


# ---------------------------------------------------------------- the models, for any Keras
def sequence_model(kind):
    def build(K):
        ids = K.layers.Input(shape=(STEPS,), dtype="int32")
        h = K.layers.Embedding(VOCAB, UNITS)(ids)
        if kind == "conv1d":
            h = K.layers.GlobalMaxPooling1D()(K.layers.Conv1D(UNITS, 5, activation="relu")(h))
        else:
            h = {"lstm": K.layers.LSTM, "gru": K.layers.GRU}[kind](UNITS)(h)
        return K.Model(ids, K.layers.Dense(1)(h))
    return build


def bidirectional(K):
    model = K.Sequential()
    model.add(K.layers.Input((STEPS, 10)))
    model.add(K.layers.Bidirectional(K.layers.LSTM(64, return_sequences=True)))
    model.add(K.layers.Bidirectional(K.layers.LSTM(32)))
    model.add(K.layers.Dense(10))
    return model


# title: (builder, data kind, loss, batch, batches per epoch, hand-written kind)
MODELS = {
    "Dense 1000→16→16→1": (dense, "dense", "binary_crossentropy", 32, 64, "dense"),
    "two-branch Conv2D": (two_branches, "image", "binary_crossentropy", 32, 8, "two_branches"),
    "Embedding → LSTM(64)": (sequence_model("lstm"), "ids", "mse", 64, 6, "lstm"),
    "Embedding → GRU(64)": (sequence_model("gru"), "ids", "mse", 64, 6, "gru"),
    "Embedding → Conv1D → GMP": (sequence_model("conv1d"), "ids", "mse", 64, 6, "conv1d"),
    "2× Bidirectional LSTM": (bidirectional, "seq", "mse", 64, 4, "bidirectional"),
}


def make_data(kind, n):
    rng = np.random.default_rng(0)
    if kind == "dense":
        return (rng.standard_normal((n, 1000)).astype("float32"),
                rng.integers(0, 2, (n, 1)).astype("float32"))
    if kind == "image":
        return (rng.random((n, 64, 64, 1)).astype("float32"),
                rng.integers(0, 2, (n, 1)).astype("float32"))
    if kind == "ids":
        return (rng.integers(1, VOCAB, (n, STEPS)).astype("int32"),
                rng.standard_normal((n, 1)).astype("float32"))
    return (rng.standard_normal((n, STEPS, 10)).astype("float32"),
            rng.standard_normal((n, 10)).astype("float32"))


# ---------------------------------------------------------------- workers (one process each)
# the clock the workers read: the wall clock, or the process's CPU time (--clock cpu)
clock = time.process_time if os.environ.get("PEERS_CLOCK") == "cpu" else time.perf_counter


def best_of(fn, repeats):
    best = float("inf")
    for _ in range(repeats):
        start = clock()
        fn()
        best = min(best, clock() - start)
    return best


def run_keras_like(K, title, epochs):
    """sloi or Keras: fit with a per-epoch timer, then predict."""
    builder, kind, loss, batch, n_batches, _ = MODELS[title]
    x, y = make_data(kind, batch * n_batches)
    model = builder(K)
    model.compile(optimizer=K.optimizers.Adam(1e-3), loss=loss)
    times = []

    class Timer(K.callbacks.Callback):
        def on_epoch_begin(self, epoch, logs=None):
            self.start = clock()

        def on_epoch_end(self, epoch, logs=None):
            times.append((clock() - self.start) / n_batches)

    model.fit(x, y, batch_size=batch, epochs=epochs, shuffle=False, verbose=0,
              callbacks=[Timer()])
    model.predict(x[:batch], batch_size=batch, verbose=0)
    predict = best_of(lambda: model.predict(x, batch_size=batch, verbose=0), 3) / n_batches
    return min(times[1:]), predict


def hand_written(title, ours=None):
    """The model of ``title`` by hand in PyTorch, weights copied from the sloi model ``ours``
    (one is built when not given) so both see the same numbers (denormals depend on them);
    returns the model, its data as tensors and its loss function."""
    import torch
    import torch.nn.functional as F

    import sloi

    sys.path.insert(0, HERE)
    from overhead import HandWritten
    from overhead import copy_weights as copy_dense
    from recurrent import TorchBidirectional, TorchConv, TorchRecurrent
    from recurrent import copy_weights as copy_recurrent
    from train import TorchTwoBranches, copy_two_branches

    builder, kind, loss, batch, n_batches, hand = MODELS[title]
    x, y = make_data(kind, batch * n_batches)
    if ours is None:
        torch.manual_seed(0)
        ours = builder(sloi)
    if hand == "dense":
        model = HandWritten()
        copy_dense(ours, model)
    elif hand == "two_branches":
        model = TorchTwoBranches()
        copy_two_branches(ours, model)
    else:
        model = {"lstm": lambda: TorchRecurrent("lstm"), "gru": lambda: TorchRecurrent("gru"),
                 "conv1d": TorchConv, "bidirectional": TorchBidirectional}[hand]()
        copy_recurrent(ours, model, hand)
    loss_fn = (F.mse_loss if loss == "mse" else
               lambda p, t: F.binary_cross_entropy(p.clamp(1e-7, 1 - 1e-7), t))
    tx, ty = torch.from_numpy(x), torch.from_numpy(y)
    if kind == "ids":
        tx = tx.long()
    return model, tx, ty, loss_fn


def run_pytorch(title, epochs):
    """The hand-written model, trained by a plain loop and predicting under no_grad."""
    import torch

    _, _, _, batch, n_batches, _ = MODELS[title]
    model, tx, ty, loss_fn = hand_written(title)
    optimizer = torch.optim.Adam(model.parameters(), lr=1e-3, eps=1e-7)

    def epoch():
        for i in range(0, len(tx), batch):
            optimizer.zero_grad(set_to_none=True)
            loss_fn(model(tx[i:i + batch]), ty[i:i + batch]).backward()
            optimizer.step()

    epoch()
    fit = best_of(epoch, epochs - 1) / n_batches
    model.eval()

    def predict():
        with torch.no_grad():
            torch.cat([model(tx[i:i + batch]) for i in range(0, len(tx), batch)]).numpy()

    predict()
    return fit, best_of(predict, 3) / n_batches


def worker(contestant, title, epochs):
    if contestant == "pytorch-ftz":
        import torch

        torch.set_flush_denormal(True)  # before any parallel work: the threads inherit it
    if contestant.startswith("pytorch"):
        return run_pytorch(title, epochs)
    if contestant == "sloi":
        import sloi

        return run_keras_like(sloi, title, epochs)
    import keras

    return run_keras_like(keras, title, epochs)


# ---------------------------------------------------------------- the conductor
def measure(contestant, title, epochs, keras_python, threads, clock_name="wall"):
    env = dict(os.environ, OMP_NUM_THREADS=str(threads), PYTHONPATH=os.path.dirname(HERE),
               PEERS_CLOCK=clock_name)
    python = sys.executable
    if contestant.startswith("keras-"):
        env["KERAS_BACKEND"] = contestant.split("-", 1)[1]
        if contestant != "keras-torch":
            python = keras_python
        env["TF_CPP_MIN_LOG_LEVEL"] = "3"
    done = subprocess.run([python, __file__, "--worker", contestant, "--model", title,
                           "--epochs", str(epochs)], env=env, capture_output=True, text=True)
    if done.returncode:
        return None, done.stderr.strip().splitlines()[-1:] or ["failed"]
    return json.loads(done.stdout.strip().splitlines()[-1]), None


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--only", default=None)
    parser.add_argument("--keras-python", default=None,
                        help="a Python with keras and jax and/or tensorflow installed")
    parser.add_argument("--contestants", default="pytorch,pytorch-ftz,sloi,keras-jax,"
                        "keras-tensorflow,keras-torch")
    parser.add_argument("--clock", default="wall", choices=["wall", "cpu"])
    parser.add_argument("--worker", default=None, help=argparse.SUPPRESS)
    parser.add_argument("--model", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.epochs < 2 and args.worker is None:
        parser.error("--epochs must be at least 2: the first epoch is the warm-up, the fit "
                     "time the fastest of the others")
    if args.worker:
        fit, predict = worker(args.worker, args.model, args.epochs)
        print(json.dumps({"fit": fit, "predict": predict}))
        return
    contestants = args.contestants.split(",")
    if not args.keras_python:
        contestants = [c for c in contestants if c in ("pytorch", "pytorch-ftz", "sloi",
                                                       "keras-torch")]
    titles = [t for t in MODELS if not args.only or args.only in t]
    best = {(t, c): None for t in titles for c in contestants}
    notes = {}
    for _ in range(args.rounds):
        for title in titles:
            for contestant in contestants:
                result, error = measure(contestant, title, args.epochs, args.keras_python,
                                        args.threads, args.clock)
                if error:
                    notes[contestant] = error[0][:100]
                    continue
                old = best[title, contestant]
                best[title, contestant] = result if old is None else {
                    k: min(old[k], result[k]) for k in result}
    print(f"CPU threads {args.threads}; ms per training step (Adam) / per predict batch "
          f"({args.clock} clock), fastest of {args.rounds} interleaved rounds\n")
    for what in ("fit", "predict"):
        print(f"| {what} | " + " | ".join(contestants) + " | sloi / fastest peer |")
        print("|---|" + "---:|" * (len(contestants) + 1))
        for title in titles:
            cells = [best[title, c] and best[title, c][what] * 1e3 for c in contestants]
            peers = [v for c, v in zip(contestants, cells) if v and c != "sloi"]
            ours = cells[contestants.index("sloi")] if "sloi" in contestants else None
            ratio = f"{ours / min(peers):.2f}" if ours and peers else "–"
            shown = ("–" if v is None else f"{v:.{1 if v >= 1 else 2}f}" for v in cells)
            print(f"| {title} | " + " | ".join(shown) + f" | {ratio} |")
        print()
    for contestant, error in notes.items():
        print(f"{contestant}: {error}")


if __name__ == "__main__":
    main()
