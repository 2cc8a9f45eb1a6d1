"""Damaged files, at random (seeded): loading gives a clear error (a ValueError, usually
FileFormatError) and leaves the model as it was, or, when the damage hit bytes that carry no
meaning, the very same weights. Never another exception, never a half-loaded model."""

import numpy as np
import pytest

import sloi


def _model(seed):
    sloi.utils.set_random_seed(seed)
    x = sloi.Input((5,))
    h = sloi.layers.Dense(4, activation="tanh")(x)
    model = sloi.Model(x, sloi.layers.Dense(2)(sloi.layers.BatchNormalization()(h)))
    model.compile(sloi.optimizers.Adam(1e-2), "mse")
    return model


def damaged_copies(data: bytes, rng, count: int):
    """``count`` damaged copies of ``data``: one flipped byte, four flipped bytes, or cut short,
    in turn (also used by test_keras_h5.py)."""
    for i in range(count):
        damaged = bytearray(data)
        if i % 3 == 2:
            damaged = damaged[: int(rng.integers(0, len(data)))]
        else:
            for _ in range(1 if i % 3 == 0 else 4):
                damaged[int(rng.integers(0, len(data)))] ^= int(rng.integers(1, 256))
        yield bytes(damaged)


@pytest.fixture(scope="module")
def trained(tmp_path_factory):
    folder = tmp_path_factory.mktemp("fuzz")
    model = _model(0)
    x = np.random.default_rng(0).normal(size=(32, 5)).astype("float32")
    model.fit(x, np.zeros((32, 2), "float32"), epochs=1, batch_size=8, verbose=0)
    model.save(folder / "m.sloi")
    model.save_weights(folder / "m.weights.safetensors")
    return model, folder


def _same(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def test_damaged_model_files(trained, tmp_path):
    model, folder = trained
    data = (folder / "m.sloi").read_bytes()
    rng = np.random.default_rng(1234)
    path = tmp_path / "d.sloi"
    outcomes = {"refused": 0, "same": 0}
    for damaged in damaged_copies(data, rng, 50):
        path.write_bytes(damaged)
        try:
            loaded = sloi.models.load_model(path)
        except ValueError:
            outcomes["refused"] += 1
            continue
        assert _same(model, loaded)
        assert loaded.optimizer.__dict__["_pending_state"]["iterations"] == 4
        outcomes["same"] += 1
    assert outcomes["refused"] > 40


def test_damaged_weights_files(trained, tmp_path):
    model, folder = trained
    data = (folder / "m.weights.safetensors").read_bytes()
    rng = np.random.default_rng(5678)
    path = tmp_path / "d.weights.safetensors"
    target = _model(1)
    before = target.get_weights()
    refused = 0
    for damaged in damaged_copies(data, rng, 50):
        path.write_bytes(damaged)
        try:
            target.load_weights(path)
        except ValueError:
            refused += 1
            assert all(np.array_equal(x, y) for x, y in zip(before, target.get_weights()))
            continue
        assert _same(model, target)
        target.set_weights(before)
    assert refused > 40
