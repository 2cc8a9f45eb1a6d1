"""Pooling on Keras-layout tensors, for any number of spatial axes (1, 2 or 3).

Like the convolutions in ``sloi.kernels.conv``, channels-last inputs go to torch's kernels as
permuted views (torch's ``channels_last`` memory format), so no copy is made either way; 1-D
pooling runs as 2-D pooling over a height of 1.

"same" padding is TensorFlow's (odd pixel at the end). What the padding holds follows Keras 3 on
PyTorch exactly:
- max pooling: padding never wins (``-inf``);
- average pooling: when the padding is even on both sides it is not counted in the average;
  when it is uneven, the edge values are repeated into the padding and *are* counted. (Keras on
  TensorFlow never counts padding; the two backends differ there, and sloi follows the PyTorch
  one, which its parity tests compare with.)
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sloi.kernels.conv import (
    as_tuple,
    height_axis_1d,
    padding_amounts,
    spatial_axes,
    to_channels_first,
    to_channels_last,
    torch_padding,
)

_MAX_POOL = {2: F.max_pool2d, 3: F.max_pool3d}  # 1-D goes through 2-D, see ``_pool``
_AVG_POOL = {2: F.avg_pool2d, 3: F.avg_pool3d}
_ADAPTIVE_MAX_POOL = {2: F.adaptive_max_pool2d, 3: F.adaptive_max_pool3d}
_ADAPTIVE_AVG_POOL = {2: F.adaptive_avg_pool2d, 3: F.adaptive_avg_pool3d}


def _pool(x, pool_size, strides, padding, data_format, average: bool):
    rank = x.dim() - 2
    pool_size = as_tuple(pool_size, rank)
    strides = pool_size if strides is None else as_tuple(strides, rank)
    if rank == 1:  # as an image of height 1, to stay channels-last (see ``sloi.kernels.conv.conv``)
        axis = height_axis_1d(data_format)
        y = _pool(x.unsqueeze(axis), (1,) + pool_size, (1,) + strides, padding, data_format,
                  average)
        return y.squeeze(axis)
    channels_last = data_format == "channels_last"
    x_cf = to_channels_first(x) if channels_last else x
    pads = [
        padding_amounts(size, k, s, 1, padding)
        for size, k, s in zip(x_cf.shape[2:], pool_size, strides, strict=True)
    ]
    if average:
        x_cf, pad = torch_padding(x_cf, pads, mode="replicate")
        y = _AVG_POOL[rank](x_cf, pool_size, strides, pad, count_include_pad=False)
    else:
        x_cf, pad = torch_padding(x_cf, pads, value=float("-inf"))
        y = _MAX_POOL[rank](x_cf, pool_size, strides, pad)
    return to_channels_last(y) if channels_last else y


def max_pool(x: torch.Tensor, pool_size, strides=None, padding: str = "valid",
             data_format: str = "channels_last") -> torch.Tensor:
    """Maximum over each ``pool_size`` window, moved by ``strides`` (``pool_size`` if None)."""
    return _pool(x, pool_size, strides, padding, data_format, average=False)


def average_pool(x: torch.Tensor, pool_size, strides=None, padding: str = "valid",
                 data_format: str = "channels_last") -> torch.Tensor:
    """Mean over each ``pool_size`` window, moved by ``strides`` (``pool_size`` if None)."""
    return _pool(x, pool_size, strides, padding, data_format, average=True)


def _adaptive_pool(x, output_size, data_format, average: bool):
    rank = x.dim() - 2
    output_size = as_tuple(output_size, rank)
    if rank == 1:  # as an image of height 1, to stay channels-last (see ``_pool``)
        axis = height_axis_1d(data_format)
        return _adaptive_pool(x.unsqueeze(axis), (1,) + output_size, data_format,
                              average).squeeze(axis)
    channels_last = data_format == "channels_last"
    x_cf = to_channels_first(x) if channels_last else x
    pools = _ADAPTIVE_AVG_POOL if average else _ADAPTIVE_MAX_POOL
    y = pools[rank](x_cf, output_size)
    return to_channels_last(y) if channels_last else y


def adaptive_max_pool(x: torch.Tensor, output_size, data_format: str = "channels_last"):
    """Maximum over ``output_size`` windows that tile each spatial axis of length ``n``: window
    ``i`` of ``m`` covers ``[floor(i * n / m), ceil((i + 1) * n / m))``, torch's (and Keras's)
    bins, which overlap when ``m`` does not divide ``n``."""
    return _adaptive_pool(x, output_size, data_format, average=False)


def adaptive_average_pool(x: torch.Tensor, output_size, data_format: str = "channels_last"):
    """Mean over the windows of ``adaptive_max_pool``."""
    return _adaptive_pool(x, output_size, data_format, average=True)


def global_max_pool(x: torch.Tensor, data_format: str = "channels_last",
                    keepdims: bool = False) -> torch.Tensor:
    """Maximum over all spatial axes."""
    return torch.amax(x, dim=spatial_axes(x.dim(), data_format), keepdim=keepdims)


def global_average_pool(x: torch.Tensor, data_format: str = "channels_last",
                        keepdims: bool = False) -> torch.Tensor:
    """Mean over all spatial axes."""
    return torch.mean(x, dim=spatial_axes(x.dim(), data_format), keepdim=keepdims)


def masked_global_average_pool(x: torch.Tensor, mask: torch.Tensor,
                               data_format: str = "channels_last",
                               keepdims: bool = False) -> torch.Tensor:
    """Mean over the spatial positions where ``mask`` (``(batch, *spatial)``) is True.

    Masked positions count as zeros in the sum and not at all in the count; where every
    position is masked the result is 0 / 0 = NaN, as in Keras.
    """
    keep = mask.to(torch.bool).unsqueeze(-1 if data_format == "channels_last" else 1)
    axes = spatial_axes(x.dim(), data_format)
    total = torch.where(keep, x, torch.zeros((), dtype=x.dtype, device=x.device))
    count = keep.sum(dim=axes, keepdim=keepdims, dtype=x.dtype)
    return total.sum(dim=axes, keepdim=keepdims) / count
