"""sloi.utils and sloi.preprocessing have Keras 3's public names, the re-exports are the
objects sloi already had, and importing them does not import Pillow or Keras."""

import subprocess
import sys

import keras

import sloi
import sloi.preprocessing
import sloi.utils

OUT_OF_SCOPE = {"bounding_boxes", "legacy"}  # augmentation / Keras 2 leftovers


def public(module):
    return {n for n in dir(module) if not n.startswith("_")}


def test_every_keras_name_is_there():
    assert public(keras.utils) - OUT_OF_SCOPE - public(sloi.utils) == set()
    assert public(keras.preprocessing) - public(sloi.preprocessing) == set()
    assert public(keras.preprocessing.image) - public(sloi.preprocessing.image) == set()
    assert set(sloi.utils.__all__) <= public(sloi.utils)


def test_re_exports_are_the_existing_objects():
    assert sloi.utils.CustomObjectScope is sloi.saving.CustomObjectScope
    assert sloi.utils.get_custom_objects is sloi.saving.get_custom_objects
    assert sloi.utils.get_registered_name is sloi.saving.get_registered_name
    assert sloi.utils.serialize_keras_object is sloi.saving.serialize_keras_object
    assert sloi.utils.deserialize_keras_object is sloi.saving.deserialize_keras_object
    assert sloi.utils.clear_session is sloi.backend.clear_session
    assert sloi.utils.is_keras_tensor is sloi.backend.is_keras_tensor
    assert sloi.utils.standardize_dtype is sloi.backend.standardize_dtype
    assert sloi.utils.enable_interactive_logging is sloi.config.enable_interactive_logging
    assert sloi.utils.is_interactive_logging_enabled is (
        sloi.config.is_interactive_logging_enabled)
    assert sloi.preprocessing.text_dataset_from_directory is (
        sloi.utils.text_dataset_from_directory)
    assert sloi.preprocessing.timeseries_dataset_from_array is (
        sloi.utils.timeseries_dataset_from_array)
    assert sloi.preprocessing.image_dataset_from_directory is (
        sloi.utils.image_dataset_from_directory)
    assert sloi.preprocessing.image.img_to_array is sloi.utils.img_to_array


def test_interactive_logging_switch_reaches_the_bar(caplog):
    sloi.utils.disable_interactive_logging()
    try:
        assert not sloi.utils.is_interactive_logging_enabled()
        with caplog.at_level("INFO", logger="sloi"):
            sloi.utils.Progbar(2).update(2, [("loss", 0.5)])
        assert "2/2" in caplog.text and "loss: 0.5000" in caplog.text
    finally:
        sloi.utils.enable_interactive_logging()


def test_importing_needs_neither_pillow_nor_keras():
    code = ("import sys, sloi, sloi.utils, sloi.preprocessing; "
            "print('PIL' in sys.modules, 'keras' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    assert out.split() == ["False", "False"]


def test_small_utilities_behave_as_keras_s():
    import numpy as np
    import torch

    dtypes = [None, "int", int, float, bool, torch.float16, np.int64, "bool", "bfloat16",
              "float64", np.dtype("uint8"), torch.int8]
    assert [sloi.utils.standardize_dtype(d) for d in dtypes] == [
        keras.utils.standardize_dtype(d) for d in dtypes]
    for lib in (sloi, keras):
        u = lib.utils
        x = lib.Input((3,))
        out = lib.layers.Dense(2)(lib.layers.Dense(3)(x))
        assert u.is_keras_tensor(x) and not u.is_keras_tensor(np.zeros(1))
        assert [t is x for t in u.get_source_inputs(out)] == [True]
        assert u.get_registered_name(lib.layers.Dense) == "Dense"
        assert u.pack_x_y_sample_weight(1) == 1
        assert u.pack_x_y_sample_weight(1, 2) == (1, 2)
        assert u.unpack_x_y_sample_weight((1,)) == (1, None, None)
        with u.CustomObjectScope({"Thing": int}):
            # the scope is separate from the global dict (which other tests may have filled)
            assert "Thing" not in u.get_custom_objects()
            assert u.get_registered_object("Thing") is int
