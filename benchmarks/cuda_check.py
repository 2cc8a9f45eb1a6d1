"""CUDA check of the recurrent layers (run on a machine with a GPU).

For SimpleRNN, LSTM, GRU and Bidirectional: the cuDNN path gives the CPU's numbers (values and
gradients, with and without a right-padded mask) and is the path taken; then the recurrent
benchmark runs on the GPU.

    PYTHONPATH=. python benchmarks/cuda_check.py
"""

from __future__ import annotations

import sys
import time

import numpy as np
import torch

import sloi
from sloi import layers as L


def check(name, make, mask):
    torch.manual_seed(0)
    cpu = make()
    x = torch.randn(8, 30, 12)
    m = None
    if mask:
        lengths = torch.randint(5, 31, (8,))
        lengths[0] = 30
        m = torch.arange(30)[None, :] < lengths[:, None]
    xc = x.clone().requires_grad_()
    out_cpu = cpu(xc, mask=m)
    out_cpu = out_cpu[0] if isinstance(out_cpu, (list, tuple)) else out_cpu
    out_cpu.square().sum().backward()
    gpu = make()
    gpu(x[:1])
    gpu.set_weights(cpu.get_weights())
    gpu.to("cuda")
    xg = x.cuda().requires_grad_()
    out_gpu = gpu(xg, mask=None if m is None else m.cuda())
    out_gpu = out_gpu[0] if isinstance(out_gpu, (list, tuple)) else out_gpu
    out_gpu.square().sum().backward()
    err = (out_gpu.detach().cpu() - out_cpu.detach()).abs().max().item()
    gerr = (xg.grad.cpu() - xc.grad).abs().max().item()
    werr = max((a.grad.cpu() - b.grad).abs().max().item()
               for a, b in zip(gpu.trainable_weights, cpu.trainable_weights))
    path = getattr(gpu, "last_path", "?")
    ok = err < 1e-4 and gerr < 1e-4 and werr < 1e-3 and path == "fused"
    print(f"{'ok ' if ok else 'BAD'} {name:42s} mask={mask!s:5} path={path:8s} "
          f"out {err:.2e} dx {gerr:.2e} dW {werr:.2e}", flush=True)
    return ok


def main():
    if not torch.cuda.is_available():
        print("no CUDA device")
        return 1
    torch.backends.cudnn.allow_tf32 = False
    torch.backends.cuda.matmul.allow_tf32 = False
    print(torch.__version__, torch.cuda.get_device_name(), "cudnn", torch.backends.cudnn.version())
    cases = {
        "LSTM(16, return_sequences=True)": lambda: L.LSTM(16, return_sequences=True),
        "LSTM(16)": lambda: L.LSTM(16),
        "GRU(16, return_sequences=True)": lambda: L.GRU(16, return_sequences=True),
        "GRU(16, return_state=True)": lambda: L.GRU(16, return_state=True),
        "SimpleRNN(16, return_sequences=True)": lambda: L.SimpleRNN(16, return_sequences=True),
        "Bidirectional(LSTM(16, return_sequences=True))": lambda: L.Bidirectional(
            L.LSTM(16, return_sequences=True)),
        "Bidirectional(GRU(16))": lambda: L.Bidirectional(L.GRU(16)),
    }
    ok = True
    for name, make in cases.items():
        for mask in (False, True):
            ok &= check(name, make, mask)
    sloi.clear_session()
    torch.backends.cudnn.allow_tf32 = True
    torch.backends.cuda.matmul.allow_tf32 = True
    start = time.time()
    sys.path.insert(0, "benchmarks")
    import recurrent

    recurrent.main(["--device", "cuda", "--steps", "20", "--blocks", "7"])
    print(f"benchmark took {time.time() - start:.0f}s")
    print("ALL OK" if ok else "SOME CHECKS FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    np.random.seed(0)
    sys.exit(main())
