"""The native .sloi format: predictions and training resume exactly; custom objects and Lambda
layers; foreign, damaged and unsafe files refused; atomic writes."""

import io
import json
import os
import zipfile

import numpy as np
import pytest
import torch

import sloi
from sloi.saving import FileFormatError

RNG = np.random.default_rng(0)
X = RNG.normal(size=(64, 6)).astype("float32")
Y = RNG.normal(size=(64, 1)).astype("float32")


def _regressor(seed=1):
    sloi.utils.set_random_seed(seed)
    model = sloi.Sequential([sloi.Input((6,)), sloi.layers.Dense(8, activation="relu"),
                             sloi.layers.BatchNormalization(), sloi.layers.Dense(1)])
    model.compile(sloi.optimizers.Adam(1e-2), "mse", metrics=["mae"])
    return model


def test_resumed_training_equals_uninterrupted_training(tmp_path):
    straight = _regressor()
    straight.fit(X, Y, epochs=3, batch_size=16, shuffle=False, verbose=0)
    first = _regressor()
    first.fit(X, Y, epochs=2, batch_size=16, shuffle=False, verbose=0)
    first.save(tmp_path / "m.sloi")
    resumed = sloi.models.load_model(tmp_path / "m.sloi")
    # the step count at once (as Keras); the moments when fit builds the optimizer
    assert resumed.optimizer.iterations == 8
    resumed.fit(X, Y, epochs=1, batch_size=16, shuffle=False, verbose=0)
    assert resumed.optimizer.iterations == 12
    for a, b in zip(straight.get_weights(), resumed.get_weights()):
        np.testing.assert_allclose(b, a, atol=1e-6, rtol=0)


def test_archive_members_and_metadata(tmp_path):
    model = _regressor()
    model.fit(X, Y, epochs=1, batch_size=32, verbose=0)
    model.save(tmp_path / "m.sloi")
    with zipfile.ZipFile(tmp_path / "m.sloi") as zf:
        assert sorted(zf.namelist()) == ["config.json", "metadata.json", "model.safetensors",
                                         "optimizer.json", "optimizer.safetensors"]
        meta = json.loads(zf.read("metadata.json"))
        config = json.loads(zf.read("config.json"))
    assert meta["format"] == "sloi" and meta["torch_version"] == torch.__version__
    assert meta["sloi_version"] == sloi.__version__ and "date_saved" in meta
    assert config["class_name"] == "Sequential"
    assert config["compile_config"]["loss"] == "mse"
    assert config["compile_config"]["metrics"] == ["mae"]
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"


def test_lecture_style_model_predicts_the_same(tmp_path):
    tokens = sloi.Input((7,), dtype="int64")
    h = sloi.layers.Embedding(20, 4, mask_zero=True)(tokens)
    h = sloi.layers.Bidirectional(sloi.layers.LSTM(3, return_sequences=True))(h)
    h = sloi.layers.Conv1D(2, 3, padding="same")(h)
    out = sloi.layers.Dense(1, activation="sigmoid")(sloi.layers.GlobalMaxPooling1D()(h))
    model = sloi.Model(tokens, out)
    model.compile("rmsprop", "binary_crossentropy", metrics=["accuracy"])
    x = RNG.integers(0, 20, size=(5, 7))
    x[:, 5:] = 0
    model.save(tmp_path / "lecture.sloi")
    loaded = sloi.models.load_model(tmp_path / "lecture.sloi")
    np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                               atol=1e-6)
    assert loaded.get_compile_config() == model.get_compile_config()
    loaded.fit(x, np.ones((5, 1)), epochs=1, verbose=0)


def test_uncompiled_and_compile_false_and_no_optimizer(tmp_path):
    x = sloi.Input((3,))
    model = sloi.Model(x, sloi.layers.Dense(1)(x))
    model.save(tmp_path / "u.sloi")
    assert sloi.models.load_model(tmp_path / "u.sloi").get_compile_config() is None
    model = _regressor()
    model.save(tmp_path / "c.sloi", include_optimizer=False)
    assert "optimizer.json" not in zipfile.ZipFile(tmp_path / "c.sloi").namelist()
    assert sloi.models.load_model(tmp_path / "c.sloi").get_compile_config() is not None
    assert sloi.models.load_model(tmp_path / "c.sloi", compile=False).get_compile_config() is None
    other = _regressor(seed=5)
    other.load_weights(tmp_path / "c.sloi")  # weights straight from a .sloi file
    np.testing.assert_array_equal(other.get_weights()[0], model.get_weights()[0])


@sloi.saving.register_keras_serializable(package="TestApi")
class Offset(sloi.layers.Layer):
    def build(self, input_shape):
        self.offset = self.add_weight("offset", (input_shape[-1],), "ones")

    def call(self, x):
        return x + self.offset


def halve(x):
    return x / 2


def test_custom_objects(tmp_path):
    x = sloi.Input((3,))
    model = sloi.Model(x, sloi.layers.Dense(2, activation=halve)(Offset()(x)))
    model.compile("sgd", "mse")
    model.save(tmp_path / "c.sloi")
    with pytest.raises(ValueError, match=r'Unknown activation \'halve\''):
        sloi.models.load_model(tmp_path / "c.sloi")
    loaded = sloi.models.load_model(tmp_path / "c.sloi", custom_objects={"halve": halve})
    data = np.ones((2, 3), np.float32)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0))
    with sloi.saving.custom_object_scope({"halve": halve}):
        sloi.models.load_model(tmp_path / "c.sloi")


def test_a_file_holding_a_lambda_layer_loads_its_named_function_in_safe_mode(tmp_path):
    x = sloi.Input((3,))
    model = sloi.Model(x, sloi.layers.Lambda(halve)(x))
    model.save(tmp_path / "l.sloi")
    loaded = sloi.models.load_model(tmp_path / "l.sloi", custom_objects={"halve": halve})
    assert loaded.layers[1].function is halve
    with pytest.raises(ValueError, match=r"is not in custom_objects.*'halve'"):
        sloi.models.load_model(tmp_path / "l.sloi")


def test_to_json_and_model_from_json():
    model = _regressor()
    text = model.to_json(indent=1)
    assert json.loads(text)["class_name"] == "Sequential"
    rebuilt = sloi.models.model_from_json(text)
    assert rebuilt.get_config() == model.get_config()
    with pytest.raises(FileFormatError, match="it is not one"):
        sloi.models.model_from_json("{not json")
    with pytest.raises(FileFormatError, match=r"expected a model config .*found \['a'\]"):
        sloi.models.model_from_json('{"a": 1}')
    with pytest.raises(FileFormatError, match="it is not one: .*nested too deeply"):
        sloi.models.model_from_json("[" * 100000 + "]" * 100000)  # before: RecursionError
    with pytest.raises(FileFormatError, match="it describes a GlorotUniform"):
        sloi.models.model_from_json(json.dumps(sloi.saving.serialize_keras_object(
            sloi.initializers.GlorotUniform())))


def _zip(path, members):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    path.write_bytes(buffer.getvalue())


def test_foreign_and_unsafe_files_are_refused(tmp_path):
    path = tmp_path / "m.sloi"
    path.write_bytes(b"GIF89a....")
    with pytest.raises(FileFormatError, match=r"expected a zip archive .*found b'GIF89a"):
        sloi.models.load_model(path)
    _zip(path, {"readme.txt": b"hello"})
    with pytest.raises(FileFormatError, match=r"expected members \['metadata.json', "
                                              r"'config.json', 'model.safetensors'\].*it holds "
                                              r"\['readme.txt'\]"):
        sloi.models.load_model(path)
    good = _regressor()
    good.save(path)
    members = {n: zipfile.ZipFile(path).read(n) for n in zipfile.ZipFile(path).namelist()}
    for bad in ("../evil.txt", "/etc/evil", "a/../../b"):
        _zip(path, {**members, bad: b"x"})
        with pytest.raises(FileFormatError, match="could point outside a folder"):
            sloi.models.load_model(path)
    _zip(path, {**members, "metadata.json": b'{"format": "keras"}'})
    with pytest.raises(FileFormatError, match="format 'keras', expected 'sloi'"):
        sloi.models.load_model(path)
    _zip(path, {**members, "metadata.json": b'{"format": "sloi", "format_version": 99}'})
    with pytest.raises(FileFormatError, match="format version 99; this sloi reads versions up"):
        sloi.models.load_model(path)
    _zip(path, {**members, "config.json": b'{"hello": "world"}'})
    with pytest.raises(FileFormatError, match=r"expected a model config .*found \['hello'\]"):
        sloi.models.load_model(path)
    config = json.loads(members["config.json"])
    config["config"]["layers"][1]["class_name"] = "Missing"
    _zip(path, {**members, "config.json": json.dumps(config).encode()})
    with pytest.raises(ValueError, match='Unknown layer class "Missing"'):
        sloi.models.load_model(path)
    _zip(path, {**members, "config.json": b"\xff\xfe"})
    with pytest.raises(FileFormatError, match="config.json is not valid JSON"):
        sloi.models.load_model(path)
    path.write_bytes(members["model.safetensors"][:50])
    with pytest.raises(FileFormatError, match="expected a zip archive"):
        sloi.models.load_model(path)
    with pytest.raises(ValueError, match=r"expected a file ending in one of \['.sloi'"):
        sloi.models.load_model(tmp_path / "m.pkl")
    with pytest.raises(ValueError, match=r"sloi saves models in files ending in one of "
                                         r"\['.sloi', '.h5', '.hdf5', '.keras'\]"):
        good.save(tmp_path / "m.pkl")
    with pytest.raises(ValueError, match="saves models in files ending"):
        good.save(tmp_path / "m.weights.h5")  # weights alone: save_weights


def test_weights_of_the_wrong_count_in_an_archive(tmp_path):
    small, big = _regressor(), sloi.Sequential([sloi.Input((6,)), sloi.layers.Dense(1)])
    small.save(tmp_path / "small.sloi")
    big.save(tmp_path / "big.sloi")
    members = {n: zipfile.ZipFile(tmp_path / "small.sloi").read(n)
               for n in zipfile.ZipFile(tmp_path / "small.sloi").namelist()}
    members["model.safetensors"] = zipfile.ZipFile(tmp_path / "big.sloi").read(
        "model.safetensors")
    _zip(tmp_path / "mixed.sloi", members)
    with pytest.raises(FileFormatError, match=r"model has 3 layer\(s\) with weights .* the "
                                              r"file 1"):
        sloi.models.load_model(tmp_path / "mixed.sloi")


def test_optimizer_state_that_does_not_fit_is_refused(tmp_path):
    trained = _regressor()
    trained.fit(X, Y, epochs=1, batch_size=32, verbose=0)
    trained.save(tmp_path / "t.sloi")
    other = sloi.Sequential([sloi.Input((6,)), sloi.layers.Dense(1)])
    other.compile("adam", "mse")
    other.save(tmp_path / "o.sloi")
    members = {n: zipfile.ZipFile(tmp_path / "o.sloi").read(n)
               for n in zipfile.ZipFile(tmp_path / "o.sloi").namelist()}
    with zipfile.ZipFile(tmp_path / "t.sloi") as zf:
        members["optimizer.json"] = zf.read("optimizer.json")
        members["optimizer.safetensors"] = zf.read("optimizer.safetensors")
    _zip(tmp_path / "mixed.sloi", members)
    with pytest.raises(FileFormatError, match="optimizer state is for 6 trainable weights; "
                                              "the model has 2"):
        sloi.models.load_model(tmp_path / "mixed.sloi")


def test_a_failed_write_leaves_the_old_file(tmp_path, monkeypatch):
    path = tmp_path / "m.sloi"
    model = _regressor()
    model.save(path)
    before = path.read_bytes()

    def broken(self, *args, **kwargs):
        raise OSError("disk full")

    monkeypatch.setattr(zipfile.ZipFile, "writestr", broken)
    with pytest.raises(OSError, match="disk full"):
        model.save(path)
    assert path.read_bytes() == before
    assert os.listdir(tmp_path) == ["m.sloi"]
    with pytest.raises(FileExistsError):
        model.save(path, overwrite=False)


@sloi.saving.register_keras_serializable(package="TestApi")
class TwoDense(sloi.Model):
    """A subclassed model: its config is its own, its weights come from calling it."""

    def __init__(self, units=3, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.hidden = sloi.layers.Dense(units, activation="relu")
        self.out = sloi.layers.Dense(1)

    def call(self, x):
        return self.out(self.hidden(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


def test_subclassed_model(tmp_path):
    model = TwoDense(4)
    model.compile("adam", "mse")
    model.fit(X, Y, epochs=1, batch_size=16, verbose=0)
    model.save(tmp_path / "sub.sloi")
    loaded = sloi.models.load_model(tmp_path / "sub.sloi")
    assert type(loaded) is TwoDense and loaded.units == 4
    np.testing.assert_array_equal(loaded.predict(X, verbose=0), model.predict(X, verbose=0))


def test_other_formats_plug_in(tmp_path):
    calls = []
    sloi.saving.register_model_loader(".fake", lambda path, **kw: calls.append((path, kw)))
    sloi.saving.register_weights_loader(".fake.w", lambda model, path, **kw: calls.append(kw))
    sloi.models.load_model(tmp_path / "m.fake", compile=False)
    _regressor().load_weights(tmp_path / "m.fake.w", by_name=True)
    assert calls[0][1] == {"custom_objects": None, "compile": False, "safe_mode": True}
    assert calls[1] == {"skip_mismatch": False, "by_name": True}


@pytest.mark.parametrize("member", ["config.json", "metadata.json"])
def test_deeply_nested_json_members_are_file_errors(tmp_path, member):
    model = _regressor()
    model.save(tmp_path / "m.sloi")
    with zipfile.ZipFile(tmp_path / "m.sloi") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    members[member] = b"[" * 100000 + b"]" * 100000  # before: RecursionError
    _zip(tmp_path / "deep.sloi", members)
    with pytest.raises(FileFormatError, match=f'deep.sloi": {member} is nested too deeply; '
                                              "expected JSON at most 100 levels deep"):
        sloi.models.load_model(tmp_path / "deep.sloi")


def test_a_config_value_a_constructor_refuses_is_a_file_error(tmp_path):
    model = _regressor()
    model.save(tmp_path / "m.sloi")
    with zipfile.ZipFile(tmp_path / "m.sloi") as zf:
        members = {n: zf.read(n) for n in zf.namelist()}
    config = json.loads(members["config.json"])
    config["compile_config"]["loss"] = "no_such_loss"
    members["config.json"] = json.dumps(config).encode()
    _zip(tmp_path / "bad.sloi", members)
    with pytest.raises(FileFormatError, match=r'bad.sloi": config.json: the compile config '
                                              r".*no_such_loss"):
        sloi.models.load_model(tmp_path / "bad.sloi")
