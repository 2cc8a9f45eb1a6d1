"""Damaged files, at random (seeded): loading gives a clear error (a ValueError, usually
FileFormatError) and leaves the model as it was, or, when the damage hit bytes that carry no
meaning, the very same weights. Never another exception, never a half-loaded model."""

import json
import os
import subprocess
import sys

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


# ---------------------------------------------------------------------------- tools/fuzz_files.py
_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _harness(tmp_path, *args):
    out = tmp_path / "out.json"
    env = dict(os.environ, PYTHONPATH=_ROOT)
    run = subprocess.run([sys.executable, os.path.join(_ROOT, "tools", "fuzz_files.py"),
                          *args, "--json", str(out)], capture_output=True, text=True, env=env,
                         timeout=300)
    assert out.exists(), run.stderr[-3000:]
    return json.loads(out.read_text()), run


def test_fuzz_sample_and_the_named_hostile_files(tmp_path):
    """The named hostile files — zip bombs (true and lying headers), 1 GiB of whitespace, deep
    JSON in every JSON member and the safetensors header, bad optimizer values, 60k members,
    damaged backups, a damaged HDF5 string datatype, an HDF5 text declaring 4 GiB (4 GB and
    28 s before), HDF5 datasets declaring 15 GB, configs
    asking for Dense(units=300000000) — each refused with FileFormatError under 300 MB over
    the child's baseline (before: 2-3 GB for the zip bombs, RecursionError for deep JSON,
    over 60 s for the 60k members, a segfault in h5py, 15 GB asked for by h5py, 6.9 GB
    allocated for the Dense); then 200 fixed-seed random cases over every loader, each in a forked child:
    nothing but FileFormatError or a load, no crash, none over 5 s or 500 MB."""
    report, run = _harness(tmp_path, "--cases", "200", "--seed", "0", "--hostile")
    hostile = [r for r in report["results"] if r["case"] == "hostile"]
    assert len(hostile) == 23, run.stdout
    for result in hostile:
        assert result["outcome"] == "FileFormatError", result
        assert result["peak_mb"] < 300, result
    expected = {  # what each of the HDF5 and config bombs is refused for
        ".h5: keras_version's string datatype damaged (3 bits)":
            "the attribute 'keras_version' of \"/\" should hold text; it holds HDF5 "
            "variable-length values",
        ".h5: training_config's length says 4 GiB (1 byte)":
            "cannot read the attribute 'training_config' of \"/\" (the file is damaged",
        ".weights.h5: a kernel declares (200000, 20000) float32":
            "expects shape (5, 4); the file has (200000, 20000)",
        ".h5: a kernel declares (200000, 20000) float32":
            "expects shape (5, 4); the file has (200000, 20000)",
        "config: Dense(units=300000000)":
            'layer "dense" (Dense) would create the weight "kernel" of shape (5, 300000000)',
        "config: Dense(units=10**12)":
            'layer "dense" (Dense) would create the weight "kernel" of shape (5, 1000000000000)',
        "model_config: Dense(units=300000000)":
            'layer "dense" (Dense) would create the weight "kernel" of shape (5, 300000000)',
        "config: Dense(units=-1)":
            'Cannot rebuild "dense" (Dense) from its config (field units=-1)',
    }
    for result in hostile:
        if result["description"] in expected:
            assert expected[result["description"]] in result["message"], result
    assert {r["description"] for r in hostile} >= set(expected)
    summary = report["summary"]
    assert summary["cases"] == 223
    assert summary["bugs"] == [], run.stdout[-3000:]
    assert set(summary["outcomes"]) <= {"loaded", "FileFormatError"}
    assert summary["outcomes"]["FileFormatError"] > 100
    assert all(summary["by_kind"][kind] for kind in summary["by_kind"])  # every loader ran
    assert summary["max_peak_mb"] < 500 and summary["max_seconds"] < 5
