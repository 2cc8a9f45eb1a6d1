"""A model's ``state_dict`` through plain PyTorch and safetensors files.

Some parameters are not contiguous: a convolution keeps its kernel in the order torch takes it
(and on CUDA a recurrent layer's weights live in cuDNN's buffer). The ways of writing a
``state_dict`` that the docs name must round-trip them."""

from __future__ import annotations

import numpy as np
import safetensors.torch
import torch

import sloi
from sloi import layers as L


def _model(seed):
    torch.manual_seed(seed)
    return sloi.Sequential([L.Input((9, 4)), L.Conv1D(6, 3, activation="relu"),
                            L.Bidirectional(L.LSTM(5, return_sequences=True)),
                            L.GRU(3, return_sequences=True),
                            L.SimpleRNN(2), L.Dense(1)])


def test_some_parameters_are_not_contiguous():  # what makes the round trips below matter
    model = _model(0)
    state = model.state_dict()
    assert not all(t.is_contiguous() for t in state.values())


def test_torch_save_and_load_state_dict(tmp_path):
    source, target = _model(0), _model(1)
    x = np.random.default_rng(0).standard_normal((3, 9, 4)).astype("float32")
    torch.save(source.state_dict(), tmp_path / "model.pt")
    target.load_state_dict(torch.load(tmp_path / "model.pt", weights_only=True))
    np.testing.assert_array_equal(target.predict(x, verbose=0), source.predict(x, verbose=0))


def test_safetensors_save_model_and_contiguous_save_file(tmp_path):
    source = _model(0)
    x = np.random.default_rng(1).standard_normal((3, 9, 4)).astype("float32")
    want = source.predict(x, verbose=0)
    safetensors.torch.save_model(source, str(tmp_path / "a.safetensors"))
    target = _model(1)
    safetensors.torch.load_model(target, str(tmp_path / "a.safetensors"))
    np.testing.assert_array_equal(target.predict(x, verbose=0), want)
    safetensors.torch.save_file({k: v.contiguous() for k, v in source.state_dict().items()},
                                str(tmp_path / "b.safetensors"))
    other = _model(2)
    other.load_state_dict(safetensors.torch.load_file(str(tmp_path / "b.safetensors")))
    np.testing.assert_array_equal(other.predict(x, verbose=0), want)
