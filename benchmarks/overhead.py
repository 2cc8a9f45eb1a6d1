"""Framework overhead: the lecture's functional Dense model, sloi against hand-written PyTorch.

Input (1000,) → Dense(16, relu) → Dense(16, relu) → Dense(1, sigmoid), batch 256, one forward
and backward pass per step, the same weights in both. Blocks of steps alternate between the two
models so that machine noise hits both alike; the median block is reported.

    python benchmarks/overhead.py [--steps 200] [--blocks 15] [--threads N]
"""

from __future__ import annotations

import argparse
import statistics
import time

import torch
from torch import nn

import sloi
from sloi.layers import Dense, Input


def sync(device):
    """Wait for the device's queued work (a no-op off CUDA), before reading a clock."""
    if device.type == "cuda":
        torch.cuda.synchronize()


class HandWritten(nn.Module):
    def __init__(self, inputs=1000):
        super().__init__()
        self.l1, self.l2, self.l3 = nn.Linear(inputs, 16), nn.Linear(16, 16), nn.Linear(16, 1)

    def forward(self, x):
        return torch.sigmoid(self.l3(torch.relu(self.l2(torch.relu(self.l1(x))))))


def lecture_model():
    input_layer = Input(shape=(1000,))
    layer_1 = Dense(16, activation="relu")(input_layer)
    layer_2 = Dense(16, activation="relu")(layer_1)
    output_layer = Dense(1, activation="sigmoid")(layer_2)
    return sloi.Model(inputs=input_layer, outputs=output_layer)


def copy_weights(src: sloi.Model, dst: HandWritten):
    with torch.no_grad():
        for layer, linear in zip(src.layers[1:], (dst.l1, dst.l2, dst.l3)):
            linear.weight.copy_(layer.kernel.T)
            linear.bias.copy_(layer.bias)


def time_block(model, x, steps):
    start = time.perf_counter()
    for _ in range(steps):
        model.zero_grad(set_to_none=True)
        model(x).sum().backward()
    return (time.perf_counter() - start) / steps


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--blocks", type=int, default=15)
    parser.add_argument("--batch", type=int, default=256)
    parser.add_argument("--threads", type=int, default=0)
    args = parser.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    ours, theirs = lecture_model(), HandWritten()
    copy_weights(ours, theirs)
    x = torch.randn(args.batch, 1000)
    torch.testing.assert_close(ours(x), theirs(x))  # the same model, or the timing means nothing
    for model in (ours, theirs):
        time_block(model, x, 50)  # warm-up
    times = {"sloi": [], "torch": []}
    for _ in range(args.blocks):
        times["sloi"].append(time_block(ours, x, args.steps))
        times["torch"].append(time_block(theirs, x, args.steps))
    s, t = statistics.median(times["sloi"]), statistics.median(times["torch"])
    print(f"lecture Dense model, batch {args.batch}, forward+backward, "
          f"{torch.get_num_threads()} threads, torch {torch.__version__}")
    print("| model | µs / step | ratio |")
    print("|---|---:|---:|")
    print(f"| hand-written PyTorch | {t * 1e6:.1f} | 1.00 |")
    print(f"| sloi | {s * 1e6:.1f} | {s / t:.3f} |")
    print(f"framework overhead: {(s - t) * 1e6:+.1f} µs per step")
    return s / t


if __name__ == "__main__":
    main()
