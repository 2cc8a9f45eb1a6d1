"""Data-parallel training throughput: samples per second of ``fit`` in 1 and 2 processes.

The script starts itself once per process count with torchrun's environment variables (a free
localhost port; gloo on CPU, NCCL with one GPU per process when CUDA is available). Each
process trains Input((50, 16)) → LSTM(64) → Dense(1) on its share of 4096 samples (the global
batch of 128 is split across the processes); rank 0 times the epochs after a warm-up epoch.
With one process, ``fit`` runs the plain single-process loop.

    python benchmarks/distributed.py [--procs 1 2] [--epochs 3] [--threads 4]

On CPU, each process gets ``--threads`` intra-op threads: compare process counts at equal
threads per process, and mind that two processes then use twice the cores.
"""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time

SAMPLES, BATCH, STEPS, FEATURES = 4096, 128, 50, 16


def worker(epochs: int, threads: int) -> None:
    import numpy as np
    import torch

    import sloi

    torch.set_num_threads(threads)
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1:
        strategy = sloi.distribute.DataParallel()
        chief = strategy.is_chief
    else:
        chief = True
    rng = np.random.default_rng(0)
    x = rng.standard_normal((SAMPLES, STEPS, FEATURES)).astype("float32")
    y = x.mean(axis=(1, 2))[:, None].astype("float32")
    torch.manual_seed(0)
    model = sloi.Sequential([sloi.layers.Input((STEPS, FEATURES)), sloi.layers.LSTM(64),
                             sloi.layers.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, y, batch_size=BATCH, epochs=1, verbose=0)  # warm-up
    start = time.perf_counter()
    history = model.fit(x, y, batch_size=BATCH, epochs=epochs, verbose=0)
    seconds = time.perf_counter() - start
    if chief:
        rate = SAMPLES * epochs / seconds
        print(f"processes={world}  threads/process={threads}  {rate:9.0f} samples/s  "
              f"final loss {history.history['loss'][-1]:.5f}", flush=True)
    if world > 1:
        torch.distributed.destroy_process_group()


def launch(procs: int, epochs: int, threads: int) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = str(s.getsockname()[1])
    children = []
    for rank in range(procs):
        env = dict(os.environ, RANK=str(rank), LOCAL_RANK=str(rank), WORLD_SIZE=str(procs),
                   LOCAL_WORLD_SIZE=str(procs), MASTER_ADDR="127.0.0.1", MASTER_PORT=port,
                   OMP_NUM_THREADS=str(threads))
        children.append(subprocess.Popen(
            [sys.executable, __file__, "--worker", "--epochs", str(epochs), "--threads",
             str(threads)], env=env))
    codes = [c.wait(timeout=600) for c in children]
    if any(codes):
        raise SystemExit(f"a process failed: exit codes {codes}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--procs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.epochs, args.threads)
        return
    for procs in args.procs:
        launch(procs, args.epochs, args.threads)


if __name__ == "__main__":
    main()
