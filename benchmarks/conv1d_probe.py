"""Where a training step of the lecture's Embedding → Conv1D → GlobalMaxPooling1D model spends
its time, hand-written against sloi: the profiler's top operations (and CUDA kernels on a GPU).

On an H100 the hand-written step measured about 9 ms against sloi's 1-2 ms (issue 4's note),
which is too odd to quote before someone sees why; this prints both sides' breakdowns.

    PYTHONPATH=. python benchmarks/conv1d_probe.py [--device cuda] [--steps 20]
"""

from __future__ import annotations

import argparse
import os
import sys

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile

sys.path.insert(0, os.path.dirname(__file__))
from recurrent import BATCH, STEPS, VOCAB, TorchConv, copy_weights, sloi_conv  # noqa: E402


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--steps", type=int, default=20)
    parser.add_argument("--rows", type=int, default=12)
    args = parser.parse_args(argv)
    device = torch.device(args.device)
    torch.manual_seed(0)
    ours, theirs = sloi_conv(), TorchConv()
    copy_weights(ours, theirs, "conv1d")
    ours.to(device)
    theirs.to(device)
    ids = torch.randint(1, VOCAB, (BATCH, STEPS), device=device)
    y = torch.randn(BATCH, 1, device=device)
    activities = [ProfilerActivity.CPU]
    if device.type == "cuda":
        activities.append(ProfilerActivity.CUDA)
    for name, model in (("hand-written", theirs), ("sloi", ours)):
        model.train()
        optimizer = torch.optim.SGD(model.parameters(), lr=0.01)

        def step(model=model, optimizer=optimizer):
            optimizer.zero_grad(set_to_none=True)
            F.mse_loss(model(ids), y).backward()
            optimizer.step()

        for _ in range(3):
            step()
        with profile(activities=activities) as prof:
            for _ in range(args.steps):
                step()
            if device.type == "cuda":
                torch.cuda.synchronize()
        key = "self_cuda_time_total" if device.type == "cuda" else "self_cpu_time_total"
        print(f"== {name}, {args.steps} steps on {device}")
        print(prof.key_averages().table(sort_by=key, row_limit=args.rows))


if __name__ == "__main__":
    main()
