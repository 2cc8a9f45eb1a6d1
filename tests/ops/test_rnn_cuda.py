"""On a machine with cuDNN: the one-buffer weights (FusedWeights) against converting at every
call, the same numbers and gradients, and the buffer really shared. Skipped without CUDA; the
CPU suite checks the same logic with a stand-in flatten (test_rnn_pack.py), and
benchmarks/cuda_train_check.py times it."""

import pytest
import torch

from sloi import layers as L
from sloi.ops import rnn as rnn_ops

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")

CASES = {
    "LSTM": lambda: L.LSTM(8, return_sequences=True),
    "SimpleRNN": lambda: L.SimpleRNN(8, return_sequences=True),
    "GRU": lambda: L.GRU(8, return_sequences=True),
    "Bidirectional(LSTM)": lambda: L.Bidirectional(L.LSTM(8, return_sequences=True)),
    "Bidirectional(GRU)": lambda: L.Bidirectional(L.GRU(8)),
}


def _forward_backward(layer, x):
    layer.zero_grad(set_to_none=True)
    out = layer(x)
    out.square().mean().backward()
    return [out.detach()] + [p.grad.clone() for p in layer.trainable_weights]


@pytest.mark.parametrize("name", CASES)
def test_one_buffer_equals_converting(name, monkeypatch):
    torch.manual_seed(0)
    layer = CASES[name]()
    x = torch.randn(4, 12, 5)
    layer(x)
    layer.to("cuda")
    x = x.cuda()
    monkeypatch.setattr(rnn_ops, "PACK_ON_CUDA", False)
    converted = _forward_backward(layer, x)
    monkeypatch.setattr(rnn_ops, "PACK_ON_CUDA", True)
    packed = _forward_backward(layer, x)
    assert layer._last_path == "fused"
    for got, want in zip(packed, converted):
        torch.testing.assert_close(got, want, rtol=1e-5, atol=1e-6)
    storages = {p.untyped_storage().data_ptr() for p in layer.trainable_weights}
    if "GRU" in name:
        assert layer._fused_weights._index is not None
    else:
        assert len(storages) == 1
