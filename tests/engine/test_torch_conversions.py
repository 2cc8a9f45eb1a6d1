"""torch's dtype conversions (``.double()``, ``.half()``, ``.to(dtype)``) on sloi models: every
float layer takes the dtype its weights were given and casts its inputs to it, as a layer
built with that ``dtype`` does; moves keep the dtype."""

from __future__ import annotations

import numpy as np
import pytest
import torch

import sloi
from sloi import layers as L


def _model(dtype=None):
    torch.manual_seed(0)
    ids = L.Input((6,), dtype="int32")
    x = L.Embedding(20, 4, dtype=dtype)(ids)
    x = L.Conv1D(4, 3, padding="same", activation="relu", dtype=dtype)(x)
    x = L.LSTM(5, return_sequences=True, dtype=dtype)(x)
    x = L.GRU(3, dtype=dtype)(x)
    return sloi.Model(ids, L.Dense(2, dtype=dtype)(x))


def test_double_gives_what_a_float64_model_gives():
    converted, built = _model(), _model("float64")
    converted.double()
    built.set_weights(converted.get_weights())
    ids = np.random.default_rng(0).integers(0, 20, (4, 6)).astype("int32")
    got = converted.predict(ids, verbose=0)
    assert got.dtype == np.float64
    np.testing.assert_array_equal(got, built.predict(ids, verbose=0))
    assert {layer.dtype for layer in converted.layers[1:]} == {"float64"}
    assert converted.layers[0].dtype == "int32", "integer inputs keep their dtype"
    config = converted.get_config()
    assert sloi.Model.from_config(config).layers[-1].dtype == "float64"


def test_a_float_input_follows_the_conversion():
    model = sloi.Sequential([L.Input((3,)), L.Dense(2)])
    model.double()
    out = model(torch.randn(4, 3))  # a float32 input is cast, as to a float64 layer
    assert out.dtype == torch.float64
    model.to(torch.float32)
    assert model(torch.randn(4, 3, dtype=torch.float64)).dtype == torch.float32


def test_half_computes_in_half():
    model = sloi.Sequential([L.Input((8,)), L.Dense(4, activation="relu"), L.Dense(1)])
    x = torch.randn(5, 8)
    want = model(x)
    model.half()
    got = model(x)
    assert got.dtype == torch.float16
    torch.testing.assert_close(got.float(), want, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("move", [lambda m: m.to("cpu"), lambda m: m._apply(lambda t: t.clone()),
                                  lambda m: m.share_memory()])
def test_moves_keep_a_layers_own_dtype(move):
    layer = L.Dense(2, dtype="float64")
    layer.build((None, 3))
    move(layer)
    assert layer.dtype == "float64"
    assert layer(torch.randn(2, 3)).dtype == torch.float64


def test_a_converted_model_trains():
    model = sloi.Sequential([L.Input((5, 2)), L.LSTM(3), L.Dense(1)])
    model.double()
    model.compile(optimizer="adam", loss="mse")
    rng = np.random.default_rng(1)
    history = model.fit(rng.standard_normal((16, 5, 2)), rng.standard_normal((16, 1)),
                        epochs=2, verbose=0)
    assert np.isfinite(history.history["loss"]).all()
    assert {w.dtype for w in model.get_weights()} == {np.dtype("float64")}
