"""Dense math on Keras-layout kernels (``(in, out)``, the transpose of ``nn.Linear.weight``)."""

import torch


def dense(x: torch.Tensor, kernel: torch.Tensor, bias: torch.Tensor | None) -> torch.Tensor:
    """``x @ kernel + bias`` over the last axis of ``x``, in one fused BLAS call when possible."""
    if bias is None:
        return torch.matmul(x, kernel)
    if x.dim() == 2:
        return torch.addmm(bias, x, kernel)
    # in place: no second buffer, and the bias takes the product's dtype (float16 under
    # autocast, as Keras's mixed_float16 gives; an out-of-place add would promote to float32)
    return torch.matmul(x, kernel).add_(bias)
