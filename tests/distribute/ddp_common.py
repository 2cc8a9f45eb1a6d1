"""The model and data shared by the DDP tests and their worker processes, and the launcher
that starts 2 CPU processes (gloo) the way torchrun would."""

import os
import socket
import subprocess
import sys

import numpy as np

import sloi

SEED = 7
HERE = os.path.dirname(__file__)


def build_model():
    model = sloi.Sequential([sloi.layers.Input((5, 3)), sloi.layers.LSTM(8),
                             sloi.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse", metrics=["mae"])
    return model


def data():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((64, 5, 3)).astype("float32")
    y = x.sum(axis=(1, 2))[:, None].astype("float32") * 0.1
    return x, y


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def run_workers(script: str, out_dir, world_size: int = 2, timeout: float = 120) -> None:
    """Runs ``script OUT_DIR`` in ``world_size`` processes with torchrun's environment
    variables and a free localhost port; fails with their output if any process fails or
    they outlive ``timeout`` seconds (a hang: killed)."""
    port = str(_free_port())
    procs = []
    for rank in range(world_size):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank),
                   WORLD_SIZE=str(world_size), LOCAL_WORLD_SIZE=str(world_size),
                   MASTER_ADDR="127.0.0.1", MASTER_PORT=port, OMP_NUM_THREADS="1",
                   CUDA_VISIBLE_DEVICES="")
        procs.append(subprocess.Popen(
            [sys.executable, os.path.join(HERE, script), str(out_dir)], env=env,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True))
    outputs = []
    try:
        for p in procs:
            outputs.append(p.communicate(timeout=timeout)[0])
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
    for p, text in zip(procs, outputs):
        assert p.returncode == 0, text[-3000:]


# ---------------------------------------------------------------- the features worker's cases
def bn_model(synchronized=False):
    """Dense -> BatchNormalization over (batch, time) -> Dense: its batch statistics matter. (No
    bias before the normalization: its gradient is zero but for rounding, which Adam would
    scale up to full steps.)"""
    model = sloi.Sequential([sloi.layers.Input((4, 3)), sloi.layers.Dense(5, use_bias=False),
                             sloi.layers.BatchNormalization(momentum=0.8,
                                                            synchronized=synchronized),
                             sloi.layers.GlobalAveragePooling1D(), sloi.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    return model


def bn_data():
    """Samples whose mean drifts with their index, so that halves of a batch (in order) have
    statistics far from the whole batch's."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((48, 4, 3)) + np.linspace(-3, 3, 48)[:, None, None]
    y = np.sin(x.sum(axis=(1, 2)))[:, None]
    return x.astype("float32"), y.astype("float32")


def two_output_model(as_dict: bool):
    inputs = sloi.Input((5, 3))
    hidden = sloi.layers.LSTM(6)(inputs)
    first = sloi.layers.Dense(2, name="first")(hidden)
    second = sloi.layers.Dense(1, activation="sigmoid", name="second")(hidden)
    outputs = {"first": first, "second": second} if as_dict else [first, second]
    return sloi.Model(inputs, outputs)


class StopAtBatch(sloi.callbacks.Callback):
    """Stops training at ``batch`` of the first epoch on process ``rank`` only (a decision the
    other processes cannot see), recording the batches and epochs it saw end."""

    def __init__(self, rank: int, stopping_rank: int, batch: int):
        super().__init__()
        self.stops_here = rank == stopping_rank
        self.batch = batch
        self.batches = []

    def on_train_batch_end(self, batch, logs=None):
        self.batches.append(batch)
        if self.stops_here and batch == self.batch:
            self.model.stop_training = True


class StopAtEpochEnd(sloi.callbacks.Callback):
    """Stops at the end of the first epoch on process ``rank`` only."""

    def __init__(self, rank: int, stopping_rank: int):
        super().__init__()
        self.stops_here = rank == stopping_rank
        self.epochs = []

    def on_epoch_end(self, epoch, logs=None):
        self.epochs.append(epoch)
        if self.stops_here:
            self.model.stop_training = True


def nan_data():
    """``data()`` with one NaN target, sample 21: in global batch 2 of 8 (samples 16..23),
    in the share of rank 1 (20..23) only."""
    x, y = data()
    y = y.copy()
    y[21] = np.nan
    return x, y
