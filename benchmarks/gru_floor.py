"""Why a GRU trains slower than an LSTM at the tour's sizes on the CPU: the per-operation floor.

An LSTM's forward and backward run inside oneDNN's C++ (``torch._VF.lstm``). A GRU has no fused
CPU kernel in torch, so sloi's hand-written GRU (``sloi/kernels/rnn_backward.py``) runs its
recurrence as ATen operations called from Python, a handful per step. At small sizes each of
those costs a few microseconds whatever its size, and the steps are sequential. This script
measures, at one size:

- the ATen operations one GRU forward + backward runs, per step (torch's profiler counts them);
- the time of that forward + backward, and of the LSTM's (oneDNN);
- one step of the GRU's loops on its own (the forward's five operations and the backward's
  three, repeated on the same buffers), times the steps: what the loops cost at the least,
  before any whole-sequence work, against the LSTM's whole forward + backward.

It also asks torch for oneDNN's GRU directly (``torch.ops.aten.mkldnn_rnn_layer`` with the GRU
mode) and prints the answer: torch 2.13 builds only LSTM primitives there. Should a later torch
build a GRU, the fused kernel the GRU lacks would be one call away.

    PYTHONPATH=. python benchmarks/gru_floor.py [--batch 32 --steps 102 --units 32 --features 8]
"""

from __future__ import annotations

import argparse
import time

import torch
from torch.profiler import ProfilerActivity, profile

from sloi.kernels import rnn_backward


def best_ms(fn, repeats=30):
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best * 1e3


def ops_per_step(fn, steps):
    """ATen operations ``fn`` runs per step (all of them, the whole-sequence ones included;
    views not counted)."""
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        fn()
    views = ("aten::select", "aten::unbind", "aten::as_strided", "aten::slice", "aten::view",
             "aten::resolve_conj", "aten::transpose", "aten::permute", "aten::t")
    calls = sum(e.count for e in prof.key_averages() if e.key.startswith("aten::")
                and e.key not in views)
    return calls / steps


def one_step_us(batch, units):
    """One step of the GRU's loops on their own, repeated on the same buffers (caches warm,
    nothing else between): the forward's operations (a product added in place, the gates'
    sigmoid, the candidate's multiply-add and activation, the interpolation) and the
    backward's (the coefficients times dh, dh's carry, its product). What a step costs at the
    least, whatever surrounds it."""
    recurrent_t, recurrent = torch.randn(3 * units, units), torch.randn(units, 3 * units)
    acc, gates = torch.randn(3 * units, batch), torch.empty(3 * units, batch)
    h, h_next, pre_h = torch.randn(units, batch), torch.empty(units, batch), torch.randn(
        units, batch)
    coef, dh, dh_prev = torch.randn(3, units, batch), torch.randn(units, batch), torch.randn(
        units, batch)
    z, r, n = gates[:units], gates[units:2 * units], gates[2 * units:]

    def forward():
        acc.addmm_(recurrent_t, h)
        torch.sigmoid(acc[:2 * units], out=gates[:2 * units])
        torch.addcmul(pre_h, r, acc[2 * units:], out=n).tanh_()
        torch.lerp(n, h, z, out=h_next)

    def backward():
        coef.mul_(dh.unsqueeze(0))
        dh_prev.addcmul_(dh, z).addmm_(recurrent, coef.view(-1, batch))

    return best_ms(forward, 2000) * 1e3, best_ms(backward, 2000) * 1e3


def onednn_gru_answer(features, units):
    """What torch says when asked for oneDNN's GRU (mode 3, cuDNN's numbering)."""
    x, h = torch.randn(4, 2, features), torch.zeros(2, units)
    weights = [torch.randn(3 * units, features), torch.randn(3 * units, units),
               torch.zeros(3 * units), torch.zeros(3 * units)]
    try:
        torch.ops.aten.mkldnn_rnn_layer(x, *weights, h, h, False, [], 3, units, 1, True,
                                        False, False, True)
    except RuntimeError as error:
        return "refused: " + str(error).splitlines()[0][:120]
    return "accepted: a fused GRU may be reachable; measure it"


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--batch", type=int, default=32)
    parser.add_argument("--steps", type=int, default=102)
    parser.add_argument("--units", type=int, default=32)
    parser.add_argument("--features", type=int, default=8)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args(argv)
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    batch, steps, units, features = args.batch, args.steps, args.units, args.features
    x = torch.randn(batch, steps, features, requires_grad=True)
    kernel = (torch.randn(features, 3 * units) * 0.3).requires_grad_()
    recurrent = (torch.randn(units, 3 * units) * units ** -0.5).requires_grad_()
    bias = torch.zeros(2, 3 * units, requires_grad=True)
    h0 = torch.zeros(1, batch, units)
    lstm = torch.nn.LSTM(features, units, batch_first=True)

    def gru_step():
        outputs, _ = rnn_backward.run("gru", x, [h0], [(kernel, recurrent, bias)])
        outputs.sum().backward()

    def lstm_step():
        outputs, _ = lstm(x)
        outputs.sum().backward()

    gru_step()
    per_step = ops_per_step(gru_step, steps)
    gru_ms, lstm_ms = best_ms(gru_step), best_ms(lstm_step)
    forward_us, backward_us = one_step_us(batch, units)
    least = steps * (forward_us + backward_us) / 1e3
    print(f"batch {batch}, {steps} steps, {units} units, {features} features, "
          f"{args.threads} thread(s)")
    print(f"GRU forward + backward: {gru_ms:.2f} ms; LSTM (oneDNN): {lstm_ms:.2f} ms; "
          f"ratio {gru_ms / lstm_ms:.2f}")
    print(f"GRU: {per_step:.1f} ATen operations a step in all")
    print(f"one step of the loops on its own: forward {forward_us:.1f} us, backward "
          f"{backward_us:.1f} us; x {steps} steps = {least:.2f} ms, "
          f"{least / lstm_ms:.2f}x the LSTM's whole forward + backward")
    print(f"oneDNN GRU through torch: {onednn_gru_answer(features, units)}")


if __name__ == "__main__":
    main()
