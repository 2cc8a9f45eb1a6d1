"""Keras's HDF5 weights: legacy files, pairing options, files that reach outside
themselves, and damaged files (seeded at random)."""

import h5py
import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.saving import FileFormatError
from sloi.saving.keras_import import load_keras_model, load_keras_weights
from tests.saving.test_fuzz import damaged_copies
from tests.saving.test_keras_import import _keras_model, _predict, dense_net, two_branch_conv


def test_legacy_h5_weights_file(tmp_path):
    model, x, expected = _keras_model(two_branch_conv)
    with h5py.File(tmp_path / "w.h5", "w") as f:  # what Keras 2's save_weights("w.h5") wrote
        keras.src.legacy.saving.legacy_h5_format.save_weights_to_hdf5_group(f, model)
    ours = two_branch_conv(sloi)
    load_keras_weights(ours, tmp_path / "w.h5")
    np.testing.assert_allclose(_predict(ours, x), expected, atol=1e-5, rtol=0)


def test_legacy_h5_by_name_pairs_layers_of_the_same_name(tmp_path):
    model, _, _ = _keras_model(dense_net)
    model.save(tmp_path / "m.h5")
    x = sloi.Input((6,))
    h = sloi.layers.Dense(5, name=model.layers[1].name)(x)
    ours = sloi.Model(x, sloi.layers.Dense(7, name="new_head")(h))
    with pytest.raises(FileFormatError, match=r'layer "new_head" \(Dense\): weight '
                                              r'"new_head/kernel" expects shape \(5, 7\); the '
                                              r"file has \(5, 3\)"):
        load_keras_weights(ours, tmp_path / "m.h5")  # by order: the heads do not fit
    load_keras_weights(ours, tmp_path / "m.h5", by_name=True)
    np.testing.assert_array_equal(ours.layers[1].get_weights()[0],
                                  keras.ops.convert_to_numpy(model.layers[1].kernel))


def test_skip_mismatch_loads_the_layers_that_fit(tmp_path):
    model, _, _ = _keras_model(dense_net)
    model.save_weights(tmp_path / "m.weights.h5")
    x = sloi.Input((6,))
    ours = sloi.Model(x, sloi.layers.Dense(4)(sloi.layers.Dense(5)(x)))
    head = ours.layers[-1].get_weights()
    with pytest.warns(UserWarning, match=r"(?s)skipping 1 layer.*expects shape \(5, 4\)"):
        load_keras_weights(ours, tmp_path / "m.weights.h5", skip_mismatch=True)
    np.testing.assert_array_equal(ours.layers[1].get_weights()[0],
                                  keras.ops.convert_to_numpy(model.layers[1].kernel))
    np.testing.assert_array_equal(ours.layers[-1].get_weights()[0], head[0])


def test_links_out_of_the_file_are_refused(tmp_path):
    model, _, _ = _keras_model(dense_net)
    model.save_weights(tmp_path / "m.weights.h5")
    with h5py.File(tmp_path / "other.h5", "w") as f:
        f["kernel"] = np.zeros((6, 5), "float32")
    with h5py.File(tmp_path / "m.weights.h5", "a") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars/0"] = h5py.ExternalLink(str(tmp_path / "other.h5"), "kernel")
    with pytest.raises(FileFormatError, match="is a link"):
        load_keras_weights(dense_net(sloi), tmp_path / "m.weights.h5")


# ---------------------------------------------------------------------------- damaged files
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_damaged_model_files_give_clear_errors(tmp_path, suffix):
    # The seeds are fixed: libhdf5 itself can loop forever on some damaged metadata (seen
    # once in about 1,300 random damages of .h5 files); a .keras archive's CRC-32 catches
    # every damage before HDF5 sees it.
    model, x, expected = _keras_model(dense_net)
    model.save(tmp_path / f"m{suffix}")
    data = (tmp_path / f"m{suffix}").read_bytes()
    refused = 0
    for i, damaged in enumerate(damaged_copies(data, np.random.default_rng(7), 45)):
        path = tmp_path / f"d{i}{suffix}"
        path.write_bytes(damaged)
        try:
            loaded = load_keras_model(path, compile=False)
        except ValueError:  # FileFormatError, or a config naming what sloi cannot build
            refused += 1
            continue
        with torch.no_grad():
            assert loaded.predict(x, verbose=0).shape == expected.shape
    assert refused >= 20


def test_a_damaged_weights_file_leaves_the_model_as_it_was(tmp_path):
    model, _, _ = _keras_model(dense_net)
    model.save_weights(tmp_path / "m.weights.h5")
    data = (tmp_path / "m.weights.h5").read_bytes()
    ours = dense_net(sloi)
    refused = 0
    for i, damaged in enumerate(damaged_copies(data, np.random.default_rng(8), 45)):
        path = tmp_path / f"d{i}.weights.h5"
        path.write_bytes(damaged)
        before = ours.get_weights()
        try:
            load_keras_weights(ours, path)
        except ValueError:
            refused += 1
            for a, b in zip(before, ours.get_weights()):
                np.testing.assert_array_equal(a, b)
    assert refused >= 20


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_frozen_layers_keep_keras_order(tmp_path, suffix):
    # The legacy format lists a model's weights trainable first: freezing a layer moves its
    # weights after the others' (Keras 3's format keeps each variable's own kind).
    def frozen(K):
        inner = K.Sequential([K.Input((4,)), K.layers.Dense(3), K.layers.BatchNormalization(),
                              K.layers.Dense(2)], name="inner")
        inner.layers[0].trainable = False
        x = K.Input((4,))
        return K.Model(x, K.layers.Dense(1)(inner(x)))

    model, x, expected = _keras_model(frozen)
    model.save(tmp_path / f"m{suffix}")
    ours = load_keras_model(tmp_path / f"m{suffix}")
    assert ours.get_layer("inner").layers[0].trainable is False
    np.testing.assert_allclose(_predict(ours, x), expected, atol=1e-5, rtol=0)
