"""``sloi.kernels.conv``: a conv layer keeps its kernel in the order the convolution hands torch the
weight, so that no call copies it, with the same numbers as a plain contiguous kernel."""

from __future__ import annotations

import copy

import pytest
import torch

import sloi
from sloi import layers as L
from sloi.kernels import conv as conv_ops

CASES = {
    "Conv1D": (lambda fmt: L.Conv1D(6, 3, data_format=fmt), (4, 9, 5)),
    "Conv1D same": (lambda fmt: L.Conv1D(6, 4, padding="same", data_format=fmt), (4, 9, 5)),
    "Conv2D": (lambda fmt: L.Conv2D(6, (3, 2), data_format=fmt), (4, 7, 8, 5)),
    "Conv2D groups, strides": (lambda fmt: L.Conv2D(6, 3, groups=2, strides=2,
                                                    data_format=fmt), (4, 7, 8, 4)),
}


def _torch_weight(layer):
    kernel = layer.kernel
    weight = conv_ops.kernel_to_torch(kernel.unsqueeze(0) if kernel.dim() == 3 else kernel)
    return conv_ops._weight_like(weight, layer.data_format == "channels_last")


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
@pytest.mark.parametrize("name", CASES)
def test_the_kernel_is_laid_out_as_the_convolution_takes_it(name, data_format):
    make, shape = CASES[name]
    torch.manual_seed(0)
    layer = make(data_format)
    if data_format == "channels_first":
        shape = (shape[0], shape[-1]) + shape[1:-1]
    x = torch.randn(shape, requires_grad=True)
    out = layer(x)
    # no copy: the weight torch gets is the kernel's own storage
    assert _torch_weight(layer).data_ptr() == layer.kernel.data_ptr()
    # the same numbers and gradients as a contiguous kernel of the same values
    plain = torch.nn.Parameter(layer.kernel.detach().contiguous())
    assert plain.is_contiguous() and not layer.kernel.is_contiguous()
    want = layer.activation(conv_ops.conv(x, plain, layer.bias, layer.strides, layer.padding,
                                          layer.dilation_rate, data_format))
    torch.testing.assert_close(out, want, rtol=0, atol=0)
    out.square().sum().backward()
    got_grad = layer.kernel.grad.clone()
    want.square().sum().backward()
    torch.testing.assert_close(got_grad, plain.grad, rtol=1e-6, atol=1e-6)
    assert got_grad.stride() == layer.kernel.stride(), "the gradient keeps the kernel's layout"


def test_the_layout_survives_moves_copies_loads_and_steps():
    torch.manual_seed(1)
    model = sloi.Sequential([L.Input((9, 5)), L.Conv1D(6, 3), L.GlobalMaxPooling1D(),
                             L.Dense(1)])
    model.compile(optimizer="adam", loss="mse")
    layer = model.layers[0]

    def copies():
        return _torch_weight(layer).data_ptr() != layer.kernel.data_ptr()

    assert not copies()
    model.fit(torch.randn(8, 9, 5).numpy(), torch.randn(8, 1).numpy(), verbose=0)
    assert not copies()
    model.set_weights([w * 2 for w in model.get_weights()])
    assert not copies()
    twin = copy.deepcopy(model)
    assert _torch_weight(twin.layers[0]).data_ptr() == twin.layers[0].kernel.data_ptr()
    model.to(torch.float64)
    assert not copies() and layer.kernel.dtype == torch.float64


def test_a_kernel_in_another_layout_is_copied_with_the_same_numbers():
    torch.manual_seed(2)
    layer = L.Conv2D(4, 3)
    x = torch.randn(2, 6, 6, 3)
    out = layer(x)
    with torch.no_grad():
        layer.kernel.data = layer.kernel.detach().contiguous()  # as a user might replace it
    assert _torch_weight(layer).data_ptr() != layer.kernel.data_ptr()
    torch.testing.assert_close(layer(x), out, rtol=0, atol=0)
