"""Where GRU's and SimpleRNN's hand-written backward pays: the crossovers that
``sloi.kernels.rnn_backward.pays`` records (``MIN_STEPS``, and a GRU's units per sample).

The hand-written backward (``sloi/kernels/rnn_backward.py``) saves autograd's per-step graph,
a cost that grows with the number of steps, but it has a fixed Python cost of its own (an
``autograd.Function``, a forward without recording, a dozen whole-sequence operations). On
short sequences the fixed cost is larger than what it saves, and autograd through torch's
native kernel is faster. For each size: µs of one training call of the layer alone (forward,
then backward of the sum), the hand-written backward against autograd, both on the layer's
fused path, interleaved; the fastest of ``--repeats`` chunks of CPU time (one thread, so that
the load of other processes inflates it least).

    PYTHONPATH=. python benchmarks/rnn_backward_crossover.py [--layer SimpleRNN GRU]
        [--batch 8 64] [--steps 2 4 6 8 10 16] [--units 8 64]
"""

from __future__ import annotations

import argparse
import time

import torch

from sloi import layers as L
from sloi.kernels import rnn_backward


def one_call(layer, x):
    layer(x).sum().backward()


def measure(kind, batch, steps, units, repeats, calls):
    """``{"hand-written": µs, "autograd": µs}`` per training call, and the paths taken."""
    torch.manual_seed(0)
    layer = getattr(L, kind)(units)
    x = torch.randn(batch, steps, units)
    layer(x)
    best, paths = {}, {}
    default = rnn_backward.pays
    rnn_backward.pays = lambda *size: True  # here the switch alone chooses, never the size
    try:
        for _ in range(repeats):
            for name, on in (("hand-written", True), ("autograd", False)):
                layer.fused_backward = on
                one_call(layer, x)  # warm
                start = time.thread_time()
                for _ in range(calls):
                    one_call(layer, x)
                spent = (time.thread_time() - start) / calls * 1e6
                best[name] = min(spent, best.get(name, float("inf")))
                paths[name] = layer.last_path
    finally:
        rnn_backward.pays = default
    return best, paths


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--layer", nargs="+", default=["SimpleRNN", "GRU"])
    parser.add_argument("--batch", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--steps", type=int, nargs="+", default=[2, 3, 4, 6, 8, 10, 16])
    parser.add_argument("--units", type=int, nargs="+", default=[8, 64])
    parser.add_argument("--repeats", type=int, default=15)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    print(f"{args.threads} thread(s), torch {torch.__version__}; µs of CPU per training call "
          f"of the layer alone (fastest of {args.repeats}); now MIN_STEPS "
          f"{rnn_backward.MIN_STEPS}, a GRU up to max({rnn_backward.GRU_UNITS}, "
          f"{rnn_backward.GRU_UNITS_PER_SAMPLE} x batch) units\n")
    print("| layer | batch | steps | units | hand-written | autograd | ratio |")
    print("|---|---:|---:|---:|---:|---:|---:|")
    for kind in args.layer:
        for batch in args.batch:
            for steps in args.steps:
                for units in args.units:
                    calls = max(3, 4000 // (steps * max(8, units) * max(1, batch // 8)) + 3)
                    best, paths = measure(kind, batch, steps, units, args.repeats, calls)
                    assert paths == {"hand-written": "fused_backward", "autograd": "fused"}, paths
                    hand, auto = best["hand-written"], best["autograd"]
                    print(f"| {kind} | {batch} | {steps} | {units} | {hand:.0f} | {auto:.0f} | "
                          f"{hand / auto:.2f} |", flush=True)


if __name__ == "__main__":
    main()
