import numpy as np
import pytest
import torch
import torch.nn.functional as F

from sloi.kernels.resampling import upsample


@pytest.mark.parametrize("rank", [1, 2, 3])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_nearest_repeats_each_position_into_a_block(rank, data_format):
    size = (2, 3, 1)[:rank]
    x = torch.randn((2,) + (3, 4, 2)[:rank] + (5,))
    if data_format == "channels_first":
        x = torch.movedim(x, -1, 1)
    y = upsample(x, size, data_format)
    first = 1 if data_format == "channels_last" else 2
    expected = x.numpy()
    for axis, factor in enumerate(size, start=first):
        expected = np.repeat(expected, factor, axis=axis)
    np.testing.assert_array_equal(y.numpy(), expected)


@pytest.mark.parametrize("mode", ["bilinear", "bicubic"])
def test_interpolation_is_torch_half_pixel_on_either_layout(mode):
    x = torch.randn(2, 3, 4, 5)  # channels last
    y = upsample(x, (2, 3), "channels_last", mode)
    expected = F.interpolate(x.permute(0, 3, 1, 2).contiguous(), size=(6, 12), mode=mode,
                             align_corners=False).permute(0, 2, 3, 1)
    torch.testing.assert_close(y, expected)
    y_cf = upsample(x.permute(0, 3, 1, 2), (2, 3), "channels_first", mode)
    torch.testing.assert_close(y_cf.permute(0, 2, 3, 1), y)
