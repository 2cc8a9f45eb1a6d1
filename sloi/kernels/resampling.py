"""Upsampling of Keras-layout tensors by integer factors, for any number of spatial axes.

"nearest" repeats each position ``size`` times along its axis (Keras's ``ops.repeat``, exact);
"bilinear" and "bicubic" are torch's ``F.interpolate`` with ``align_corners=False`` and no
antialiasing, which is what ``keras.ops.image.resize`` runs on the PyTorch backend. Channels-last
inputs reach ``F.interpolate`` as permuted views (torch's ``channels_last`` memory format), so
no copy is made.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sloi.kernels.conv import spatial_axes, to_channels_first, to_channels_last

INTERPOLATIONS = ("nearest", "bilinear", "bicubic")


def upsample(x: torch.Tensor, size: tuple[int, ...], data_format: str = "channels_last",
             interpolation: str = "nearest") -> torch.Tensor:
    """``x`` with spatial axis ``k`` made ``size[k]`` times longer."""
    if interpolation == "nearest":
        for axis, factor in zip(spatial_axes(x.dim(), data_format), size, strict=True):
            if factor != 1:
                x = torch.repeat_interleave(x, factor, dim=axis)
        return x
    channels_last = data_format == "channels_last"
    x_cf = to_channels_first(x) if channels_last else x
    new_size = [n * factor for n, factor in zip(x_cf.shape[2:], size, strict=True)]
    y = F.interpolate(x_cf, size=new_size, mode=interpolation, align_corners=False,
                      antialias=False)
    return to_channels_last(y) if channels_last else y
