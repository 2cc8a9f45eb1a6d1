"""Keras 3 saves the lecture's models as .keras, .h5 and .weights.h5; sloi loads them and
predicts what Keras predicts (within 1e-5). Keras 3 writes every file inside the test."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.saving import FileFormatError
from sloi.saving.keras_import import load_keras_model, load_keras_weights

RNG = np.random.default_rng(0)


# ---------------------------------------------------------------------------- the models
def dense_net(K):
    x = K.Input((6,), name="features")
    h = K.layers.Dense(5, activation="relu")(x)
    return K.Model(x, K.layers.Dense(3, activation="softmax")(h))


def two_branch_conv(K):
    image = K.Input((8, 8, 1))
    a = K.layers.Conv2D(2, 3, activation="relu")(image)
    a = K.layers.Flatten()(K.layers.MaxPooling2D()(a))
    b = K.layers.Flatten()(K.layers.Conv2D(3, 5)(image))
    merged = K.layers.concatenate([a, b])
    merged = K.layers.Dropout(0.3)(K.layers.BatchNormalization()(merged))
    return K.Model(image, K.layers.Dense(2)(merged))


def masked_lstm(K):
    return K.Sequential([K.Input((7,), dtype="int32"), K.layers.Embedding(10, 4, mask_zero=True),
                         K.layers.LSTM(3), K.layers.Dense(1, activation="sigmoid")])


def gru(K):
    return K.Sequential([K.Input((5, 3)), K.layers.GRU(4, return_sequences=True),
                         K.layers.GRU(2, reset_after=False), K.layers.Dense(2)])


def bidirectional(K):
    return K.Sequential([K.Input((6, 3)),
                         K.layers.Bidirectional(K.layers.LSTM(3, return_sequences=True)),
                         K.layers.Bidirectional(K.layers.LSTM(2)), K.layers.Dense(1)])


def conv1d(K):
    return K.Sequential([K.Input((9, 2)), K.layers.Conv1D(4, 3, activation="relu"),
                         K.layers.MaxPooling1D(2), K.layers.Conv1D(3, 2),
                         K.layers.GlobalMaxPooling1D(), K.layers.Dense(2)])


def nested(K):
    inner = K.Sequential([K.Input((4,)), K.layers.Dense(3, activation="tanh")], name="inner")
    x = K.Input((4,))
    branch = K.Model(x, K.layers.Dense(2)(x), name="branch")
    y = K.Input((4,))
    merged = K.layers.concatenate([inner(y), branch(y)])
    return K.Model(y, K.layers.Dense(1)(merged))


def recurrent_zoo(K):
    seq = K.Input((5, 3))
    h = K.layers.TimeDistributed(K.layers.Dense(4))(seq)
    h = K.layers.LayerNormalization()(h)
    h = K.layers.SimpleRNN(4, return_sequences=True)(h)
    att = K.layers.Attention(use_scale=True)([h, K.layers.Dense(4)(seq)])
    mha = K.layers.MultiHeadAttention(2, 2)(h, h)
    return K.Model(seq, K.layers.GlobalMaxPooling1D()(K.layers.concatenate([att, mha])))


# The rest of the layers sloi has.
def stacked_cells(K):
    cells = [K.layers.LSTMCell(3), K.layers.GRUCell(2), K.layers.SimpleRNNCell(2)]
    return K.Sequential([K.Input((5, 3)), K.layers.RNN(cells), K.layers.Dense(1)])


def more_convolutions(K):
    return K.Sequential([
        K.Input((9, 3)), K.layers.SeparableConv1D(4, 3, depth_multiplier=2),
        K.layers.Conv1DTranspose(2, 3), K.layers.SpatialDropout1D(0.1),
        K.layers.ZeroPadding1D(1), K.layers.UpSampling1D(2), K.layers.Cropping1D(1),
        K.layers.AveragePooling1D(2), K.layers.GlobalAveragePooling1D()])


def more_attention(K):
    q, v = K.Input((4, 3)), K.Input((5, 3))
    a = K.layers.AdditiveAttention()([q, v])
    b = K.layers.Attention(score_mode="concat", use_scale=True)([q, v])
    return K.Model([q, v], K.layers.Flatten()(K.layers.Dot(axes=2)([a, b])))


def conv_lstm(K):
    return K.Sequential([K.Input((3, 5, 5, 2)), K.layers.ConvLSTM2D(2, 3),
                         K.layers.ZeroPadding2D(1), K.layers.AveragePooling2D(2),
                         K.layers.GlobalAveragePooling2D()])


def masked_sequence(K):
    return K.Sequential([
        K.Input((5, 3)), K.layers.Masking(), K.layers.SimpleRNN(2, return_sequences=True),
        K.layers.TimeDistributed(K.layers.Dense(2)), K.layers.GlobalAveragePooling1D(),
        K.layers.RepeatVector(2), K.layers.Permute((2, 1)), K.layers.Reshape((4,)),
        K.layers.Activation("relu")])


MODELS = [dense_net, two_branch_conv, masked_lstm, gru, bidirectional, conv1d, nested,
          recurrent_zoo, stacked_cells, more_convolutions, more_attention, conv_lstm,
          masked_sequence]


def _inputs(model):
    arrays = []
    for spec in model.inputs:
        shape = (3,) + tuple(spec.shape[1:])
        if "int" in str(spec.dtype):
            tokens = RNG.integers(1, 10, size=shape)
            tokens[0, -3:] = 0  # padding, masked by Embedding(mask_zero=True)
            arrays.append(tokens.astype("int32"))
        else:
            values = RNG.normal(size=shape).astype("float32")
            if len(shape) == 3:
                values[0, -2:] = 0.0  # time steps that Masking() masks
            arrays.append(values)
    return arrays[0] if len(arrays) == 1 else arrays


def _keras_model(builder):
    """The Keras model with random weights (positive variances), and its predictions."""
    model = builder(keras)
    values = []
    for w in model.weights:
        value = RNG.uniform(-0.6, 0.6, size=tuple(w.shape))
        values.append(np.abs(value) + 0.5 if "variance" in w.path else value)
    model.set_weights(values)
    x = _inputs(model)
    return model, x, keras.ops.convert_to_numpy(model(x, training=False))


def _predict(model, x):
    with torch.no_grad():
        return model.predict(x, verbose=0)


# ---------------------------------------------------------------------------- full models
@pytest.mark.parametrize("suffix", [".keras", ".h5"])
@pytest.mark.parametrize("builder", MODELS, ids=lambda b: b.__name__)
def test_keras_model_files_predict_as_keras(tmp_path, builder, suffix):
    model, x, expected = _keras_model(builder)
    path = tmp_path / f"model{suffix}"
    model.save(path)
    ours = load_keras_model(path)
    assert [w.shape for w in ours.get_weights()] == [tuple(w.shape) for w in model.weights]
    np.testing.assert_allclose(_predict(ours, x), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("builder", MODELS, ids=lambda b: b.__name__)
def test_weights_h5_loads_into_the_same_model_built_by_sloi(tmp_path, builder):
    model, x, expected = _keras_model(builder)
    model.save_weights(tmp_path / "model.weights.h5")
    ours = builder(sloi)
    load_keras_weights(ours, tmp_path / "model.weights.h5")
    np.testing.assert_allclose(_predict(ours, x), expected, atol=1e-5, rtol=0)


def test_load_model_and_load_weights_read_keras_files(tmp_path):
    model, x, expected = _keras_model(bidirectional)
    model.save(tmp_path / "m.keras")
    model.save_weights(tmp_path / "m.weights.h5")
    loaded = sloi.models.load_model(tmp_path / "m.keras")
    np.testing.assert_allclose(_predict(loaded, x), expected, atol=1e-5, rtol=0)
    ours = bidirectional(sloi)
    ours.load_weights(tmp_path / "m.weights.h5")
    np.testing.assert_allclose(_predict(ours, x), expected, atol=1e-5, rtol=0)
    fresh = bidirectional(sloi)
    fresh.load_weights(tmp_path / "m.keras")  # Keras 3 reads the weights of a .keras file too
    np.testing.assert_allclose(_predict(fresh, x), expected, atol=1e-5, rtol=0)


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_saved_compile_arguments_are_used(tmp_path, suffix):
    model = dense_net(keras)
    model.compile(keras.optimizers.RMSprop(0.005), "categorical_crossentropy",
                  metrics=["accuracy"])
    model.save(tmp_path / f"m{suffix}")
    ours = load_keras_model(tmp_path / f"m{suffix}")
    assert isinstance(ours.optimizer, sloi.optimizers.RMSprop)
    assert ours.optimizer.learning_rate == pytest.approx(0.005)
    x = RNG.normal(size=(4, 6)).astype("float32")
    logs = ours.evaluate(x, np.eye(3)[[0, 1, 2, 0]], verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}
    assert load_keras_model(tmp_path / f"m{suffix}", compile=False).optimizer is None


def test_a_training_config_sloi_cannot_rebuild_leaves_the_model_uncompiled(tmp_path):
    @keras.saving.register_keras_serializable(package="test")
    class Unknown(keras.optimizers.SGD):
        pass

    model, x, expected = _keras_model(dense_net)
    model.compile(Unknown(), "mse")
    model.save(tmp_path / "m.keras")
    with pytest.warns(UserWarning, match="loaded but not compiled.*'Unknown'"):
        ours = load_keras_model(tmp_path / "m.keras")
    assert ours.optimizer is None
    np.testing.assert_allclose(_predict(ours, x), expected, atol=1e-5, rtol=0)


def test_a_keras_ftrl_training_config_loads_compiled(tmp_path):
    model, x, expected = _keras_model(dense_net)
    model.compile(keras.optimizers.Ftrl(learning_rate=0.02, l1_regularization_strength=0.1),
                  "mse")
    model.save(tmp_path / "m.keras")
    ours = load_keras_model(tmp_path / "m.keras")
    assert type(ours.optimizer).__name__ == "Ftrl"
    assert ours.optimizer.get_config()["l1_regularization_strength"] == pytest.approx(0.1)
    np.testing.assert_allclose(_predict(ours, x), expected, atol=1e-5, rtol=0)


# ---------------------------------------------------------------------------- refused files
def _lambda_model():
    x = keras.Input((3,))
    return keras.Model(x, keras.layers.Lambda(lambda t: t * 2.0 + 1.0, name="double")(x))


@pytest.mark.parametrize("suffix", [".keras", ".h5"])
def test_a_lambda_layer_of_stored_code_is_refused_in_safe_mode(tmp_path, suffix, monkeypatch):
    _lambda_model().save(tmp_path / f"m{suffix}")
    with pytest.raises(ValueError, match='Lambda layer "double".*never runs code'):
        load_keras_model(tmp_path / f"m{suffix}")

    import marshal

    def forbidden(*args):
        raise AssertionError("loading must never unmarshal code from a file")

    with monkeypatch.context() as patch:  # only around the load: imports unmarshal too
        patch.setattr(marshal, "loads", forbidden)
        with pytest.warns(UserWarning, match="safe_mode=False"):
            ours = load_keras_model(tmp_path / f"m{suffix}", safe_mode=False,
                                    custom_objects={"double": lambda t: t * 2.0 + 1.0})
    np.testing.assert_allclose(_predict(ours, np.ones((1, 3), "float32")), [[3.0, 3.0, 3.0]])


def test_an_unsupported_layer_is_named(tmp_path):
    # image augmentation is the one family sloi leaves out (tests/test_keras_coverage.py)
    x = keras.Input((4, 4, 1))
    keras.Model(x, keras.layers.RandomFlip()(x)).save(tmp_path / "m.keras")
    with pytest.raises(ValueError, match='layer "random_flip" of class RandomFlip, which sloi '
                                         "does not support"):
        load_keras_model(tmp_path / "m.keras")


def test_weights_of_the_wrong_shape_name_layer_weight_and_shapes(tmp_path):
    model, _, _ = _keras_model(dense_net)
    model.save_weights(tmp_path / "m.weights.h5")
    x = sloi.Input((6,))
    ours = sloi.Model(x, sloi.layers.Dense(3)(sloi.layers.Dense(4, name="hidden")(x)))
    before = ours.get_weights()
    with pytest.raises(FileFormatError, match=r'layer "hidden" \(Dense\): weight '
                                              r'"hidden/kernel" expects shape \(6, 4\); the file '
                                              r'has \(6, 5\)'):
        load_keras_weights(ours, tmp_path / "m.weights.h5")
    for a, b in zip(before, ours.get_weights()):
        np.testing.assert_array_equal(a, b)  # nothing changed


def test_weights_of_another_model_are_refused(tmp_path):
    _keras_model(gru)[0].save_weights(tmp_path / "m.weights.h5")
    with pytest.raises(FileFormatError, match="holds no weights for layer"):
        load_keras_weights(dense_net(sloi), tmp_path / "m.weights.h5")


def test_foreign_and_damaged_files_are_refused(tmp_path):
    import zipfile

    with zipfile.ZipFile(tmp_path / "photos.keras", "w") as zf:
        zf.writestr("cat.jpg", b"\xff\xd8 not a model")
    with pytest.raises(FileFormatError, match=r"not a Keras model file \(.keras\).*missing "
                                              r"\['config.json', 'model.weights.h5'\]"):
        load_keras_model(tmp_path / "photos.keras")

    (tmp_path / "notes.h5").write_bytes(b"just some text, not HDF5")
    with pytest.raises(FileFormatError, match="not a readable HDF5 file"):
        load_keras_model(tmp_path / "notes.h5")

    import h5py

    with h5py.File(tmp_path / "data.h5", "w") as f:
        f["x"] = np.arange(3)
    with pytest.raises(FileFormatError, match="HDF5 file but not a Keras model"):
        load_keras_model(tmp_path / "data.h5")

    dense_net(keras).save(tmp_path / "m.keras")
    data = (tmp_path / "m.keras").read_bytes()
    (tmp_path / "cut.keras").write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="cut.keras"):
        load_keras_model(tmp_path / "cut.keras")

    dense_net(keras).save(tmp_path / "m.h5")
    data = (tmp_path / "m.h5").read_bytes()
    (tmp_path / "cut.h5").write_bytes(data[: len(data) // 2])
    with pytest.raises(FileFormatError, match="cut.h5"):
        load_keras_model(tmp_path / "cut.h5")


def test_a_built_model_without_weights_loads_keras_s_weights_file(tmp_path):
    """A model of layers without weights is built all the same: Keras's file of it holds no
    arrays, and loading it is no error (sloi refused it as "not built" before); a file of
    another model's weights is refused for what it holds."""
    keras.Sequential([keras.Input((4,)), keras.layers.ReLU()]).save_weights(
        tmp_path / "empty.weights.h5")
    keras.Sequential([keras.Input((4,)), keras.layers.Dense(2)]).save_weights(
        tmp_path / "dense.weights.h5")
    model = sloi.Sequential([sloi.Input((4,)), sloi.layers.ReLU()])
    model.load_weights(tmp_path / "empty.weights.h5")
    x = np.array([[-1.0, 0.5, 2.0, -3.0]], "float32")
    np.testing.assert_array_equal(model.predict(x, verbose=0), np.maximum(x, 0))
    with pytest.raises(FileFormatError, match=r"holds weights that model .* has no place for: "
                                              r"\['layers/dense/vars/0', 'layers/dense/vars/1'\]"):
        model.load_weights(tmp_path / "dense.weights.h5")
    lazy = sloi.Sequential([sloi.layers.Dense(2)])
    with pytest.raises(ValueError, match=r"has no weights yet \(it is not built\)"):
        lazy.load_weights(tmp_path / "dense.weights.h5")


@pytest.mark.parametrize("writer", ["keras", "sloi"])
def test_a_lambda_layer_of_a_named_function_loads_in_safe_mode_as_in_keras(tmp_path, writer):
    lib = {"keras": keras, "sloi": sloi}[writer]
    x = lib.Input((3,))
    lib.Model(x, lib.layers.Lambda(_doubled)(x)).save(tmp_path / "m.keras")
    theirs = keras.saving.load_model(tmp_path / "m.keras", custom_objects={"_doubled": _doubled})
    ours = load_keras_model(tmp_path / "m.keras", custom_objects={"_doubled": _doubled})
    data = np.ones((1, 3), "float32")
    np.testing.assert_allclose(_predict(ours, data), theirs.predict(data, verbose=0))
    np.testing.assert_allclose(_predict(ours, data), [[2.0, 2.0, 2.0]])
    with pytest.raises(ValueError, match="is not in custom_objects"):
        load_keras_model(tmp_path / "m.keras")


def _doubled(t):
    return t * 2.0
