"""sloi writes Keras's files (.keras, legacy .h5, .weights.h5); Keras 3 reads them."""

import json
import os
import warnings
import zipfile

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import layers as L
from sloi import ops

RNG = np.random.default_rng(0)


def _dense_stack():
    return sloi.Sequential([L.Input((8,)), L.Dense(16, activation="relu"),
                            L.Dense(4, activation="softmax")]), RNG.random((5, 8), "float32")


def _two_branch_conv2d():
    inputs = L.Input((8, 8, 1))
    a = L.Flatten()(L.MaxPooling2D()(L.Conv2D(4, 3, activation="relu")(inputs)))
    b = L.Flatten()(L.Conv2D(2, 5, padding="same")(inputs))
    outputs = L.Dense(3, activation="softmax")(L.concatenate([a, b]))
    return sloi.Model(inputs, outputs), RNG.random((4, 8, 8, 1), "float32")


def _embedding_lstm():
    return sloi.Sequential([L.Input((7,)), L.Embedding(30, 8), L.LSTM(5), L.Dense(1)]), \
        RNG.integers(0, 30, (4, 7))


def _bidirectional_lstm_x2():
    return sloi.Sequential([
        L.Input((6, 3)), L.Bidirectional(L.LSTM(4, return_sequences=True)),
        L.Bidirectional(L.LSTM(3)), L.Dense(2)]), RNG.random((4, 6, 3), "float32")


def _embedding_conv1d():
    return sloi.Sequential([L.Input((9,)), L.Embedding(40, 6), L.Conv1D(5, 3, activation="relu"),
                            L.GlobalMaxPooling1D(), L.Dense(1, activation="sigmoid")]), \
        RNG.integers(0, 40, (4, 9))


def _spatial_dropout_conv1d():  # Keras refused sloi's SpatialDropout1D config ("trainable")
    return sloi.Sequential([L.Input((9,)), L.Embedding(40, 6), L.SpatialDropout1D(0.2),
                            L.Conv1D(4, 3), L.GlobalMaxPooling1D(), L.Dense(1)]), \
        RNG.integers(0, 40, (4, 9))


def _conv_lstm2d():  # its cell is its own part: sloi refused the file for the cell before
    return sloi.Sequential([L.Input((3, 6, 6, 1)), L.ConvLSTM2D(2, 3), L.Flatten(),
                            L.Dense(1)]), RNG.random((2, 3, 6, 6, 1), "float32")


def _gru():
    return sloi.Sequential([L.Input((5, 4)), L.GRU(6), L.Dense(2)]), RNG.random((4, 5, 4),
                                                                                 "float32")


def _op_nodes():
    inputs = L.Input((6,))
    x = L.Dense(6)(inputs)
    centred = x - ops.mean(x, axis=1, keepdims=True)
    outputs = L.Dense(2)(centred * 2.0 + inputs)
    return sloi.Model(inputs, outputs), RNG.random((4, 6), "float32")


def _nested_models_shared_layer():
    inner_in = L.Input((5,))
    inner = sloi.Model(inner_in, L.Dense(4, activation="tanh")(inner_in), name="inner")
    block = sloi.Sequential([L.Input((4,)), L.Dense(4), L.BatchNormalization(), L.Dropout(0.2)])
    shared = L.Dense(3)
    a, b = L.Input((5,)), L.Input((5,))
    left, right = block(inner(a)), block(inner(b))
    model = sloi.Model([a, b], [shared(left), L.add([shared(left), shared(right)])])
    return model, [RNG.random((3, 5), "float32"), RNG.random((3, 5), "float32")]


def _attention_block():
    inputs = L.Input((6, 8))
    x = L.LayerNormalization()(L.MultiHeadAttention(2, 4)(inputs, inputs) + inputs)
    return sloi.Model(inputs, L.GlobalAveragePooling1D()(x)), RNG.random((2, 6, 8), "float32")


LECTURE = [_dense_stack, _two_branch_conv2d, _embedding_lstm, _bidirectional_lstm_x2,
           _embedding_conv1d, _spatial_dropout_conv1d, _conv_lstm2d, _gru, _op_nodes, _nested_models_shared_layer, _attention_block]


def _predict(model, x):
    out = model.predict(x, verbose=0)
    return [np.asarray(o) for o in out] if isinstance(out, list) else np.asarray(out)


def _keras_predict(model, x):
    out = model(x)
    if isinstance(out, (list, tuple)):
        return [keras.ops.convert_to_numpy(o) for o in out]
    return np.asarray(keras.ops.convert_to_numpy(out))


@pytest.mark.parametrize("make", LECTURE, ids=lambda f: f.__name__.lstrip("_"))
def test_keras_loads_what_sloi_saves(make, tmp_path):
    model, x = make()
    model.compile(optimizer="adam", loss="mse")
    expected = _predict(model, x)
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    assert [w.shape for w in restored.get_weights()] == [w.shape for w in model.get_weights()]
    np.testing.assert_allclose(_keras_predict(restored, x), expected, atol=1e-6)
    np.testing.assert_allclose(_predict(sloi.models.load_model(tmp_path / "m.keras"), x),
                               expected, atol=1e-6)
    # the legacy .h5, read by Keras 3's legacy loader (Keras 3.15 itself cannot compile a
    # legacy file whose loss is a string, whoever wrote it: compile=False)
    model.save(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = keras.saving.load_model(tmp_path / "m.h5", compile=False)
    np.testing.assert_allclose(_keras_predict(legacy, x), expected, atol=1e-6)
    np.testing.assert_allclose(_predict(sloi.models.load_model(tmp_path / "m.h5"), x),
                               expected, atol=1e-6)


def test_op_nodes_are_written_as_keras_writes_them(tmp_path):
    model, _ = _op_nodes()
    model.save(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras")
    ours = {layer["class_name"]: layer for layer in restored.get_config()["layers"]}
    k_in = keras.Input((6,))
    k_x = keras.layers.Dense(6)(k_in)
    k_out = keras.layers.Dense(2)((k_x - keras.ops.mean(k_x, axis=1, keepdims=True)) * 2.0 + k_in)
    theirs = {layer["class_name"]: layer for layer in keras.Model(k_in, k_out).get_config()[
        "layers"]}
    for op in ("Mean", "Subtract", "Multiply", "Add"):
        assert sorted(ours[op]["config"]) == sorted(theirs[op]["config"]), op
        assert len(ours[op]["inbound_nodes"][0]["args"]) == len(
            theirs[op]["inbound_nodes"][0]["args"]), op
    assert ours["Mean"]["config"]["axis"] == 1 and ours["Mean"]["config"]["keepdims"] is True
    # and sloi reads its own file back
    again = sloi.models.load_model(tmp_path / "m.keras")
    x = RNG.random((3, 6), "float32")
    np.testing.assert_allclose(_predict(again, x), _predict(model, x), atol=1e-6)


def test_keras_writes_sloi_reads_and_writes_keras_reads(tmp_path):
    inputs = keras.Input((7,))
    x = keras.layers.Embedding(25, 6)(inputs)
    x = keras.layers.Bidirectional(keras.layers.GRU(4))(x)
    x = x - keras.ops.mean(x, axis=-1, keepdims=True) + 0.5
    outputs = keras.layers.Dense(3, activation="softmax")(x)
    original = keras.Model(inputs, outputs)
    original.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    original.save(tmp_path / "k.keras")
    data = RNG.integers(0, 25, (4, 7))
    expected = _keras_predict(original, data)

    model = sloi.models.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(_predict(model, data), expected, atol=1e-6)
    model.save(tmp_path / "s.keras")
    again = keras.saving.load_model(tmp_path / "s.keras")
    np.testing.assert_allclose(_keras_predict(again, data), expected, atol=1e-6)
    assert again.loss == "sparse_categorical_crossentropy"


def test_a_keras_spectral_normalization_file_loads_in_sloi(tmp_path):
    """Keras stores the wrapped kernel twice, as the wrapper's own variable too (kernel,
    vector_u): sloi refused the file for the count of arrays before."""
    inputs = keras.Input((5,))
    outputs = keras.layers.SpectralNormalization(keras.layers.Dense(3))(inputs)
    original = keras.Model(inputs, outputs)
    data = RNG.random((4, 5), "float32")
    expected = _keras_predict(original, data)
    original.save(tmp_path / "k.keras")
    model = sloi.models.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(_predict(model, data), expected, atol=1e-6)
    np.testing.assert_array_equal(model.layers[-1].vector_u.numpy(),
                                  keras.ops.convert_to_numpy(original.layers[-1].vector_u))


def test_weights_files_both_ways(tmp_path):
    model, x = _embedding_lstm()
    model.save_weights(tmp_path / "s.weights.h5")
    twin = keras.Sequential([keras.Input((7,)), keras.layers.Embedding(30, 8),
                             keras.layers.LSTM(5), keras.layers.Dense(1)])
    twin.load_weights(tmp_path / "s.weights.h5")
    np.testing.assert_allclose(_keras_predict(twin, x), _predict(model, x), atol=1e-6)

    twin.layers[-1].set_weights([np.ones((5, 1), "float32"), np.full((1,), 0.5, "float32")])
    twin.save_weights(tmp_path / "k.weights.h5")
    model.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(_predict(model, x), _keras_predict(twin, x), atol=1e-6)


def test_model_checkpoint_with_keras_names(tmp_path):
    model, x = _dense_stack()
    y = np.eye(4, dtype="float32")[RNG.integers(0, 4, len(x))]
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    best = str(tmp_path / "best.keras")
    weights = str(tmp_path / "last.weights.h5")
    callbacks = [sloi.callbacks.ModelCheckpoint(best, monitor="loss", save_best_only=True),
                 sloi.callbacks.ModelCheckpoint(weights, save_weights_only=True)]
    model.fit(x, y, epochs=3, batch_size=5, verbose=0, callbacks=callbacks)
    assert os.path.exists(best) and os.path.exists(weights)
    np.testing.assert_allclose(_keras_predict(keras.saving.load_model(best), x),
                               _predict(sloi.models.load_model(best), x), atol=1e-6)
    twin = keras.Sequential([keras.Input((8,)), keras.layers.Dense(16, activation="relu"),
                             keras.layers.Dense(4, activation="softmax")])
    twin.load_weights(weights)
    np.testing.assert_allclose(_keras_predict(twin, x), _predict(model, x), atol=1e-6)


@pytest.mark.parametrize("name", ["m.keras", "m.h5", "m.weights.h5"])
def test_a_model_keras_cannot_express_is_refused_before_writing(name, tmp_path):
    wrapped = sloi.Sequential([L.Input((4,)), L.TorchModuleWrapper(torch.nn.Linear(4, 2))])
    path = tmp_path / name
    path.write_bytes(b"the previous file")
    save = wrapped.save_weights if name.endswith(".weights.h5") else wrapped.save
    with pytest.raises(ValueError, match=r'layer "torch_module_wrapper.*" '
                                         r"\(TorchModuleWrapper\) has no Keras equivalent.*"
                                         r"\.sloi"):
        save(path)
    assert path.read_bytes() == b"the previous file"
    assert sorted(os.listdir(tmp_path)) == [name]  # no temporary file left behind


def test_overwrite_false_is_honoured(tmp_path):
    model, _ = _gru()
    model.save(tmp_path / "m.keras")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save(tmp_path / "m.keras", overwrite=False)
    model.save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(FileExistsError, match="overwrite=True"):
        model.save_weights(tmp_path / "m.weights.h5", overwrite=False)


def test_sloi_stays_the_format_that_keeps_the_optimizer(tmp_path):
    model, x = _dense_stack()
    model.compile(optimizer="adam", loss="mse")
    model.fit(x, np.zeros((5, 4), "float32"), epochs=1, verbose=0)
    model.save(tmp_path / "m.sloi")
    model.save(tmp_path / "m.keras")
    assert "optimizer.safetensors" in zipfile.ZipFile(tmp_path / "m.sloi").namelist()
    assert zipfile.ZipFile(tmp_path / "m.keras").namelist() == [
        "metadata.json", "config.json", "model.weights.h5"]


OPS = {
    "sum_keepdims": lambda x: ops.sum(x, axis=-1, keepdims=True),
    "reshape_transpose": lambda x: ops.transpose(ops.reshape(x, (-1, 2, 3)), (0, 2, 1)),
    "expand_squeeze": lambda x: ops.squeeze(ops.expand_dims(x, 1), axis=1),
    "clip": lambda x: ops.clip(x, 0.2, 0.5),
    "slice": lambda x: x[:, 1:3],
    "concatenate": lambda x: ops.concatenate([x, x], axis=-1),
    "softmax": lambda x: ops.softmax(x, axis=-1),
    "where_constant": lambda x: ops.where(x > 0.5, x, 0.0),
    "cast": lambda x: ops.cast(x, "float16"),
    "constant_minus": lambda x: 1.0 - x ** 2,
    "one_hot_argmax": lambda x: ops.one_hot(ops.argmax(x, axis=-1), 6),
    "split_repeat": lambda x: ops.repeat(ops.split(x, 2, axis=1)[0], 2, axis=1),
}


@pytest.mark.parametrize("name", sorted(OPS))
def test_op_nodes_keras_and_sloi_load(name, tmp_path):
    inputs = L.Input((6,))
    model = sloi.Model(inputs, OPS[name](inputs))
    x = RNG.random((3, 6), "float32")
    expected = _predict(model, x).astype("float64")
    model.save(tmp_path / "m.keras")
    by_keras = _keras_predict(keras.saving.load_model(tmp_path / "m.keras"), x)
    by_sloi = _predict(sloi.models.load_model(tmp_path / "m.keras"), x)
    np.testing.assert_allclose(by_keras.astype("float64"), expected, atol=1e-6)
    np.testing.assert_allclose(by_sloi.astype("float64"), expected, atol=1e-6)


def test_every_sloi_layer_is_a_keras_layer_or_refused():
    from sloi.saving import families, keras_writer

    for name in families.builtin_names("layers"):
        if name in ("Functional", "Model", "Sequential") or name in keras_writer.NOT_IN_KERAS:
            continue
        assert hasattr(keras.layers, keras_writer.KERAS_CLASS_NAMES.get(name, name)), name


def _custom_layers(lib):
    """A user's layers, not registered: one without weights, one with weights and a config."""

    class Doubler(lib.layers.Layer):
        def call(self, inputs):
            return inputs * 2

    class Affine(lib.layers.Layer):
        def __init__(self, units=2, **kwargs):
            super().__init__(**kwargs)
            self.units = units

        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1], self.units),
                                     initializer="random_normal", name="w")

        def call(self, inputs):
            return lib.ops.matmul(inputs, self.w)

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    return {"Doubler": Doubler, "Affine": Affine}


def test_an_unregistered_custom_layer_is_written_and_read_as_keras_does(tmp_path):
    libs = {"sloi": sloi, "keras": keras}
    x = RNG.random((2, 3), "float32")
    written = {}
    for name, lib in libs.items():
        custom = _custom_layers(lib)
        inputs = lib.Input((3,))
        model = lib.Model(inputs, custom["Affine"](4)(custom["Doubler"]()(inputs)))
        expected = np.asarray(model.predict(x, verbose=0))
        model.save(tmp_path / f"{name}.keras")
        with zipfile.ZipFile(tmp_path / f"{name}.keras") as archive:
            entries = json.loads(archive.read("config.json"))["config"]["layers"][1:]
        written[name] = [(e["module"], e["class_name"], e["registered_name"]) for e in entries]
        for reader in libs.values():  # each library reads each file, the class given
            restored = reader.saving.load_model(tmp_path / f"{name}.keras",
                                                custom_objects=_custom_layers(reader))
            np.testing.assert_allclose(np.asarray(restored.predict(x, verbose=0)), expected,
                                       atol=1e-6)
    assert written["sloi"] == written["keras"]


def test_a_script_s_own_class_is_written_without_a_module_as_keras_writes_it():
    from sloi.saving import serialization

    custom = _custom_layers(sloi)["Doubler"]
    custom.__module__ = "__main__"  # as a class defined in the script being run
    theirs = _custom_layers(keras)["Doubler"]
    theirs.__module__ = "__main__"
    assert serialization.serialize_keras_object(custom())["module"] is None
    assert keras.saving.serialize_keras_object(theirs())["module"] is None


@pytest.mark.parametrize("name, kwargs", [
    ("Adam", {}), ("Adam", {"amsgrad": True}), ("AdamW", {}), ("SGD", {"momentum": 0.9}),
    ("SGD", {}), ("RMSprop", {}), ("RMSprop", {"momentum": 0.5, "centered": True}),
    ("Adagrad", {}), ("Adadelta", {"learning_rate": 1.0}), ("Adamax", {}), ("Lion", {}),
    ("Ftrl", {})])
def test_keras_goes_on_training_with_sloi_s_optimizer_state(tmp_path, name, kwargs):
    model, x = _embedding_conv1d()
    y = RNG.random((len(x), 1), "float32")
    kwargs = {"learning_rate": 0.01, **kwargs}
    model.compile(optimizer=getattr(sloi.optimizers, name)(**kwargs), loss="mse")
    model.fit(x, y, epochs=3, batch_size=len(x), shuffle=False, verbose=0)
    model.save(tmp_path / "m.keras")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # Keras warns when it skips the optimizer's state
        twin = keras.saving.load_model(tmp_path / "m.keras")
    assert int(twin.optimizer.iterations) == 3
    model.fit(x, y, epochs=1, batch_size=len(x), shuffle=False, verbose=0)
    twin.fit(x, y, epochs=1, batch_size=len(x), shuffle=False, verbose=0)
    for ours, theirs in zip(model.get_weights(), twin.get_weights()):
        np.testing.assert_allclose(theirs, ours, atol=1e-6)


def test_legacy_h5_keeps_the_training_config(tmp_path):
    model, x = _dense_stack()
    model.compile(sloi.optimizers.Adam(0.01), sloi.losses.MeanSquaredError(), metrics=["mae"])
    model.save(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        restored = keras.saving.load_model(tmp_path / "m.h5")
    assert type(restored.optimizer).__name__ == "Adam"
    assert float(restored.optimizer.learning_rate) == pytest.approx(0.01)
    np.testing.assert_allclose(restored.loss(np.ones((2, 4)), np.zeros((2, 4))), 1.0)
    again = sloi.models.load_model(tmp_path / "m.h5")
    assert type(again.optimizer).__name__ == "Adam"


def _triple(t):
    return t * 3


def test_lambda_layers_are_written_as_keras_writes_them(tmp_path):
    model = sloi.Sequential([L.Input((4,)), L.Lambda(lambda t: t * 2 + 1), L.Lambda(_triple)])
    model.save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match="Lambda"):  # Keras's safe mode refuses bytecode
        keras.saving.load_model(tmp_path / "m.keras")
    restored = keras.saving.load_model(tmp_path / "m.keras", safe_mode=False,
                                       custom_objects={"_triple": _triple})
    x = RNG.random((2, 4), "float32")
    np.testing.assert_allclose(_keras_predict(restored, x), (x * 2 + 1) * 3, atol=1e-6)


def _dict_model(K):
    z, a = K.Input((4,), name="zz"), K.Input((3,), name="aa")
    both = K.layers.Concatenate(name="both")([K.layers.Dense(2, name="d_z")(z),
                                              K.layers.Dense(3, name="d_a")(a)])
    return K.Model({"zz": z, "aa": a}, {"z": K.layers.Dense(2, name="out_z")(both),
                                        "b": K.layers.Dense(1, name="out_b")(both)})


def test_dict_inputs_and_outputs_both_ways(tmp_path):
    """Models with dicts of inputs and outputs (taken in sorted key order by both) keep their
    weights in place through files written by one and read by the other."""
    data = {"zz": RNG.random((3, 4), "float32"), "aa": RNG.random((3, 3), "float32")}
    ours = _dict_model(sloi)
    ours.set_weights([RNG.standard_normal(w.shape).astype("float32")
                      for w in ours.get_weights()])
    expected = {k: np.asarray(v) for k, v in ours.predict(data, verbose=0).items()}
    ours.save(tmp_path / "s.keras")
    theirs = keras.saving.load_model(tmp_path / "s.keras")
    for k, v in theirs.predict(data, verbose=0).items():
        np.testing.assert_allclose(v, expected[k], atol=1e-6)
    theirs.save(tmp_path / "k.keras")
    again = sloi.models.load_model(tmp_path / "k.keras")
    for k, v in again.predict(data, verbose=0).items():
        np.testing.assert_allclose(v, expected[k], atol=1e-6)
    # and weights copied from one to the other by get_weights land where they belong
    fresh = _dict_model(keras)
    fresh.set_weights(ours.get_weights())
    for k, v in fresh.predict(data, verbose=0).items():
        np.testing.assert_allclose(v, expected[k], atol=1e-6)
