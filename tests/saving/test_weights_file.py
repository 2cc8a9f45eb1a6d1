"""Weights files: keys, loading by order and by name, every misfit reported before anything
changes, skip_mismatch, foreign and damaged files."""

import os

import numpy as np
import pytest
import safetensors.torch
import torch

import sloi
from sloi.saving import FileFormatError
from sloi.saving.weights_file import weight_entries


def _model(units=3, name=None):
    x = sloi.Input((4,))
    h = sloi.layers.Dense(units)(x)
    h = sloi.layers.BatchNormalization()(h)
    return sloi.Model(x, sloi.layers.Dense(2)(h), name=name)


def _randomize(model, seed=0):
    rng = np.random.default_rng(seed)
    model.set_weights([rng.uniform(0.1, 1, w.shape).astype(w.dtype)
                       for w in model.get_weights()])


def _equal(a, b):
    return all(np.array_equal(x, y) for x, y in zip(a.get_weights(), b.get_weights()))


def test_keys_are_keras_paths_and_nested_models_keep_their_name():
    inner = sloi.Sequential([sloi.layers.Dense(2, name="d")], name="inner")
    x = sloi.Input((3,))
    model = sloi.Model(x, inner(sloi.layers.LSTM(2, name="lstm",
                                                 return_sequences=False)(
        sloi.layers.Reshape((1, 3))(x))))
    assert [(p, g) for p, _, g in weight_entries(model)] == [
        ("lstm/lstm_cell/kernel", "lstm"), ("lstm/lstm_cell/recurrent_kernel", "lstm"),
        ("lstm/lstm_cell/bias", "lstm"), ("inner/d/kernel", "inner/d"),
        ("inner/d/bias", "inner/d")]
    assert [t for _, t, _ in weight_entries(model)] == model.weights


def test_round_trip_by_order_across_auto_names(tmp_path):
    path = tmp_path / "m.weights.safetensors"
    a = _model()
    _randomize(a)
    a.save_weights(path)
    b = _model()  # other auto-names: dense_2, batch_normalization_1, ...
    b.load_weights(path)
    assert _equal(a, b)
    stored = safetensors.torch.load_file(path)
    assert set(stored) == {p for p, _, _ in weight_entries(a)}


def test_by_name_loads_the_paths_that_exist(tmp_path):
    x = sloi.Input((4,))
    a = sloi.Model(x, sloi.layers.Dense(2, name="out")(sloi.layers.Dense(3, name="h")(x)))
    _randomize(a)
    a.save_weights(tmp_path / "a.weights.safetensors")
    y = sloi.Input((4,))
    b = sloi.Model(y, sloi.layers.Dense(5, name="other")(sloi.layers.Dense(3, name="h")(y)))
    before = b.get_layer("other").get_weights()
    b.load_weights(tmp_path / "a.weights.safetensors", by_name=True)
    np.testing.assert_array_equal(b.get_layer("h").get_weights()[0],
                                  a.get_layer("h").get_weights()[0])
    np.testing.assert_array_equal(b.get_layer("other").get_weights()[0], before[0])


def test_every_misfit_is_reported_and_nothing_changes(tmp_path):
    a = _model(units=3)
    a.save_weights(tmp_path / "a.weights.safetensors")
    b = _model(units=5)
    before = b.get_weights()
    with pytest.raises(FileFormatError, match=r"3 layer\(s\) do not fit \(nothing was changed"
                                              r"(.|\n)*model expects kernel \(4, 5\) float32, "
                                              r"bias \(5,\) float32; file \"dense\" has kernel "
                                              r"\(4, 3\) float32(.|\n)*batch_normalization"):
        b.load_weights(tmp_path / "a.weights.safetensors")
    assert all(np.array_equal(x, y) for x, y in zip(before, b.get_weights()))


def test_skip_mismatch_loads_the_rest_with_a_warning(tmp_path):
    x = sloi.Input((4,))
    a = sloi.Model(x, sloi.layers.Dense(2)(sloi.layers.Dense(3)(x)))
    _randomize(a)
    a.save_weights(tmp_path / "a.weights.safetensors")
    y = sloi.Input((4,))
    b = sloi.Model(y, sloi.layers.Dense(2)(sloi.layers.Dense(3)(y)))
    c = sloi.Model(y, sloi.layers.Dense(7)(b.layers[1](y)))  # second layer differs
    kept = c.layers[-1].get_weights()
    with pytest.warns(UserWarning, match=r"skipping 1 layer\(s\)"):
        c.load_weights(tmp_path / "a.weights.safetensors", skip_mismatch=True)
    np.testing.assert_array_equal(c.layers[1].get_weights()[0], a.layers[1].get_weights()[0])
    np.testing.assert_array_equal(c.layers[-1].get_weights()[0], kept[0])


def test_layer_count_mismatch(tmp_path):
    a = _model()
    a.save_weights(tmp_path / "a.weights.safetensors")
    x = sloi.Input((4,))
    b = sloi.Model(x, sloi.layers.Dense(2)(x))
    with pytest.raises(FileFormatError, match=r"by order: the model has 1 layer\(s\) with "
                                              r"weights \['dense_2'\], the file 3 \['dense', "
                                              r"'batch_normalization', 'dense_1'\]"):
        b.load_weights(tmp_path / "a.weights.safetensors")


def test_dtype_must_match(tmp_path):
    x = sloi.Input((4,))
    a = sloi.Model(x, sloi.layers.Dense(2, dtype="float64")(x))
    a.save_weights(tmp_path / "a.weights.safetensors")
    y = sloi.Input((4,))
    b = sloi.Model(y, sloi.layers.Dense(2)(y))
    with pytest.raises(FileFormatError, match=r"float32.*file \"dense\" has kernel \(4, 2\) "
                                              r"float64"):
        b.load_weights(tmp_path / "a.weights.safetensors")


def test_foreign_safetensors_files(tmp_path):
    x = sloi.Input((4,))
    model = sloi.Model(x, sloi.layers.Dense(2, name="d")(x))
    path = tmp_path / "f.weights.safetensors"
    safetensors.torch.save_file({"d/kernel": torch.ones(4, 2), "d/bias": torch.ones(2)}, path)
    model.load_weights(path)  # no index: matched by name, which fits
    assert model.get_weights()[0].sum() == 8
    safetensors.torch.save_file({"weight": torch.ones(2, 4)}, path)
    with pytest.raises(FileFormatError, match=r"not written by sloi .* paths \['d/kernel', "
                                              r"'d/bias'\] are not in it; it holds \['weight'\]"):
        model.load_weights(path)
    with pytest.raises(FileFormatError, match="no weight path of the model is in the file"):
        model.load_weights(path, by_name=True)


def test_damaged_and_foreign_bytes(tmp_path):
    model = _model()
    path = tmp_path / "a.weights.safetensors"
    model.save_weights(path)
    data = bytearray(path.read_bytes())
    data[-3] ^= 0xFF  # inside the last tensor
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match="do not match their SHA-256 digest"):
        model.load_weights(path)
    path.write_bytes(b"hello, not weights")
    with pytest.raises(FileFormatError, match=r"its header claims \d+ bytes, the file has 18"):
        model.load_weights(path)
    path.write_bytes(b"abc")
    with pytest.raises(FileFormatError, match="3 bytes, too short for a header"):
        model.load_weights(path)


def test_unbuilt_models_and_file_names(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "a.weights.safetensors")
    lazy = sloi.Sequential([sloi.layers.Dense(2)])
    with pytest.raises(FileFormatError, match=r"has no weights yet \(it is not built\)"):
        lazy.load_weights(tmp_path / "a.weights.safetensors")
    with pytest.raises(ValueError, match=r"must end in one of \['.weights.safetensors', "
                                         r"'.h5', '.hdf5', '.weights.h5'\]; got \".*x.npz\""):
        model.save_weights(tmp_path / "x.npz")
    with pytest.raises(ValueError, match=r"cannot read .*x.bin.*expected a file ending in one of"):
        model.load_weights(tmp_path / "x.bin")
    with pytest.raises(FileExistsError, match="pass overwrite=True"):
        model.save_weights(tmp_path / "a.weights.safetensors", overwrite=False)
    assert sorted(os.listdir(tmp_path)) == ["a.weights.safetensors"]  # no temporary files left


def test_a_deep_or_huge_safetensors_header_is_a_file_error(tmp_path):
    import struct

    from sloi.saving.weights_file import MAX_HEADER, read_header

    deep = b"[" * 100000 + b"]" * 100000  # before: RecursionError
    with pytest.raises(FileFormatError, match='"w": the safetensors header is nested too '
                                              "deeply; expected JSON at most 100 levels deep"):
        read_header(struct.pack("<Q", len(deep)) + deep, "w")
    data = struct.pack("<Q", MAX_HEADER + 1) + b" " * (MAX_HEADER + 1)
    with pytest.raises(FileFormatError, match=f'"w": the safetensors header claims '
                                              f"{MAX_HEADER + 1} bytes; expected at most "
                                              f"{MAX_HEADER}"):
        read_header(data, "w")


def test_a_damaged_format_field_does_not_skip_the_digest(tmp_path):
    model = sloi.Sequential([sloi.Input((3,)), sloi.layers.Dense(2)])
    model.save_weights(tmp_path / "w.weights.safetensors")
    data = (tmp_path / "w.weights.safetensors").read_bytes()
    damaged = data.replace(b'"format":"sloi.weights"', b'"format":"sloi.weighto"', 1)
    assert damaged != data
    (tmp_path / "w.weights.safetensors").write_bytes(damaged)
    with pytest.raises(FileFormatError, match="its metadata holds a sloi weight index but "
                                              "format 'sloi.weighto', expected 'sloi.weights' "
                                              r"\(the file is damaged\)"):
        model.load_weights(tmp_path / "w.weights.safetensors")
