"""The legacy .h5 is written in tf.keras 2's dialect: the file says so, Keras 3's legacy loader
reads it and predicts the same, and (with SLOI_TF_KERAS_PYTHON naming a Python that has
tensorflow and tf_keras) tf.keras 2 reads it and predicts the same."""

import json
import os
import re
import subprocess
import sys
import warnings

import h5py
import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import layers as L
from sloi.saving import keras2_dialect, keras_h5
from tests.saving import test_keras_writer as writer

RNG = np.random.default_rng(1)
ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def randomized(model):
    """Weights away from their initial values (a batch norm's statistics included), so that a
    loader that drops or reorders one cannot predict the same."""
    with torch.no_grad():
        for path, w in keras_h5.legacy_weights(model):
            low, high = (0.5, 1.5) if "moving_variance" in path else (-0.6, 0.6)
            w.copy_(torch.as_tensor(RNG.uniform(low, high, tuple(w.shape))))
    return model


def _recurrent_stack():
    return sloi.Sequential([
        L.Input((5, 4)), L.SimpleRNN(6, return_sequences=True),
        L.Bidirectional(L.GRU(3, return_sequences=True), merge_mode="sum"),
        L.LayerNormalization(), L.Dropout(0.3), L.GlobalMaxPooling1D(), L.Dense(2)]), \
        RNG.random((4, 5, 4), "float32")


def _conv1d_pooling():
    return sloi.Sequential([
        L.Input((12, 3)), L.Conv1D(4, 3, padding="same", activation="relu"), L.MaxPooling1D(2),
        L.Conv1D(2, 3), L.BatchNormalization(), L.Flatten(), L.Dense(1)]), \
        RNG.random((3, 12, 3), "float32")


def _nested_sequential_shared_layers():
    block = sloi.Sequential([L.Input((5,)), L.Dense(4), L.BatchNormalization(), L.Dropout(0.2)],
                            name="block")
    shared = L.Dense(3, name="shared")
    a, b = L.Input((5,), name="a"), L.Input((5,), name="b")
    left, right = block(a), block(b)
    merged = L.concatenate([shared(left), shared(right)], name="merged")
    total = L.add([shared(left), shared(right)], name="total")
    return sloi.Model([a, b], [merged, total]), [RNG.random((3, 5), "float32"),
                                                 RNG.random((3, 5), "float32")]


def _nested_functional_at_the_end():
    inner_in = L.Input((4,))
    inner = sloi.Model(inner_in, L.Dense(2, activation="tanh")(inner_in), name="inner")
    inputs = L.Input((6,))
    return sloi.Model(inputs, inner(L.Dense(4)(inputs))), RNG.random((3, 6), "float32")


def _embedding_bidirectional_lstm():
    inputs = L.Input((7,), dtype="int32")
    x = L.Embedding(20, 5, mask_zero=True)(inputs)
    x = L.Bidirectional(L.LSTM(3))(x)
    return sloi.Model(inputs, L.Dense(1, activation="sigmoid")(x)), RNG.integers(0, 20, (4, 7))


def _renamed_and_keras3_arguments():
    # Keras 3 renamed LeakyReLU's alpha and gave the 1D padding layers a data_format
    return sloi.Sequential([
        L.Input((10, 3)), L.Conv1DTranspose(4, 3), L.ZeroPadding1D(1), L.Cropping1D(1),
        L.UpSampling1D(), L.LeakyReLU(0.2), L.TimeDistributed(L.Dense(3)),
        L.GlobalAveragePooling1D(), L.Dense(2)]), RNG.random((2, 10, 3), "float32")


# The models tf.keras 2 reads: the lecture's (tests/saving/test_keras_writer.py) but those with
# op nodes, MultiHeadAttention or a nested functional model feeding a layer, and these.
TF_KERAS_2 = [writer._dense_stack, writer._two_branch_conv2d, writer._embedding_lstm,
              writer._bidirectional_lstm_x2, writer._embedding_conv1d,
              writer._spatial_dropout_conv1d, writer._conv_lstm2d, writer._gru,
              _recurrent_stack, _conv1d_pooling, _nested_sequential_shared_layers,
              _nested_functional_at_the_end, _embedding_bidirectional_lstm,
              _renamed_and_keras3_arguments]
# The lecture's models with no form both read, and the layer each warning names.
KERAS3_ONLY = {writer._op_nodes: '"mean"', writer._attention_block: '"multi_head_attention"',
               writer._nested_models_shared_layer: '"inner" (Functional)'}


def _layer_entries(config):
    """Every (layer entry, in a model's layers list) of a model config, nested models too."""
    for entry in config["config"]["layers"]:
        yield entry
        if entry["class_name"] in ("Functional", "Sequential"):
            yield from _layer_entries(entry)


def _file(path):
    with h5py.File(path, "r") as f:
        return (dict(f.attrs), json.loads(f.attrs["model_config"]),
                {k: dict(f["model_weights"][k].attrs) for k in f["model_weights"]})


def _save_quietly(model, path):
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "tf.keras 2 cannot read it" warning
        model.save(path)


@pytest.mark.parametrize("make", TF_KERAS_2, ids=lambda f: f.__name__.lstrip("_"))
def test_keras3_legacy_loader_reads_the_keras2_dialect(make, tmp_path):
    model, x = make()
    randomized(model)
    expected = writer._predict(model, x)
    _save_quietly(model, tmp_path / "m.h5")
    attrs, config, _ = _file(tmp_path / "m.h5")
    assert attrs["keras_version"] == keras2_dialect.KERAS2_VERSION
    assert attrs["backend"] == "tensorflow"
    text = json.dumps(config)
    assert "batch_shape" not in text and "__keras_tensor__" not in text
    assert "quantization_config" not in text and "input_axes" not in text
    for entry in _layer_entries(config):
        assert "module" not in entry and "build_config" not in entry, entry["class_name"]
        inner = entry["config"]
        assert not isinstance(inner.get("dtype"), dict), entry["class_name"]
        if entry["class_name"] == "InputLayer":
            assert isinstance(inner["batch_input_shape"], list) and inner["ragged"] is False
        for node in entry.get("inbound_nodes", []):  # Keras 2's [[layer, node, tensor, {}]]
            assert isinstance(node, list) and node
            for ref in node:
                assert [type(v) for v in ref] == [str, int, int, dict], ref
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = keras.saving.load_model(tmp_path / "m.h5", compile=False)
    got = writer._keras_predict(legacy, x)
    for g, e in zip(got if isinstance(got, list) else [got],
                    expected if isinstance(expected, list) else [expected]):
        np.testing.assert_allclose(g, e, atol=1e-5)
    again = writer._predict(sloi.models.load_model(tmp_path / "m.h5"), x)
    for g, e in zip(again if isinstance(again, list) else [again],
                    expected if isinstance(expected, list) else [expected]):
        np.testing.assert_allclose(g, e, atol=1e-5)


def test_calls_and_weights_are_laid_out_as_tf_keras_2_writes_them(tmp_path):
    model, _ = _nested_sequential_shared_layers()
    _save_quietly(model, tmp_path / "m.h5")
    _, config, groups = _file(tmp_path / "m.h5")
    entries = {e["name"]: e for e in config["config"]["layers"]}
    # what tf_keras 2.21 writes for the same model (the nested Sequential without its input,
    # so that tf.keras 2 and Keras 3 both number its calls from 0)
    assert entries["block"]["inbound_nodes"] == [[["a", 0, 0, {}]], [["b", 0, 0, {}]]]
    assert [e["class_name"] for e in entries["block"]["config"]["layers"]] == [
        "Dense", "BatchNormalization", "Dropout"]
    assert "build_input_shape" not in entries["block"]["config"]
    assert entries["shared"]["inbound_nodes"] == [
        [["block", 0, 0, {}]], [["block", 1, 0, {}]], [["block", 0, 0, {}]],
        [["block", 1, 0, {}]]]
    assert entries["merged"]["inbound_nodes"] == [[["shared", 0, 0, {}], ["shared", 1, 0, {}]]]
    assert entries["total"]["inbound_nodes"] == [[["shared", 2, 0, {}], ["shared", 3, 0, {}]]]
    assert config["config"]["input_layers"] == [["a", 0, 0], ["b", 0, 0]]
    assert config["config"]["output_layers"] == [["merged", 0, 0], ["total", 0, 0]]
    assert entries["a"]["config"] == {"batch_input_shape": [None, 5], "dtype": "float32",
                                      "sparse": False, "ragged": False, "name": "a"}
    # weights: trainable ones first, tf.keras 2's names
    assert [n.decode() for n in groups["block"]["weight_names"]] == [
        "dense/kernel:0", "dense/bias:0", "batch_normalization/gamma:0",
        "batch_normalization/beta:0", "batch_normalization/moving_mean:0",
        "batch_normalization/moving_variance:0"]
    assert [n.decode() for n in groups["shared"]["weight_names"]] == [
        "shared/kernel:0", "shared/bias:0"]


def test_bidirectional_writes_only_the_layer_it_wraps(tmp_path):
    model, _ = writer._bidirectional_lstm_x2()
    _save_quietly(model, tmp_path / "m.h5")
    _, config, _ = _file(tmp_path / "m.h5")
    wrapper = config["config"]["layers"][1]["config"]
    assert wrapper["layer"]["class_name"] == "LSTM" and "backward_layer" not in wrapper


def test_a_backward_layer_of_its_own_is_kept(tmp_path):
    inputs = L.Input((5, 3))
    outputs = L.Bidirectional(L.LSTM(2), backward_layer=L.GRU(3, go_backwards=True))(inputs)
    model = randomized(sloi.Model(inputs, outputs))
    x = RNG.random((2, 5, 3), "float32")
    _save_quietly(model, tmp_path / "m.h5")
    _, config, _ = _file(tmp_path / "m.h5")
    assert config["config"]["layers"][1]["config"]["backward_layer"]["class_name"] == "GRU"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = keras.saving.load_model(tmp_path / "m.h5", compile=False)
    np.testing.assert_allclose(writer._keras_predict(legacy, x), writer._predict(model, x),
                               atol=1e-5)


@pytest.mark.parametrize("make", list(KERAS3_ONLY), ids=lambda f: f.__name__.lstrip("_"))
def test_a_model_without_a_keras2_form_keeps_keras3_s_with_a_warning(make, tmp_path):
    model, x = make()
    with pytest.warns(UserWarning, match=r"written in Keras 3's dialect, which Keras 3 reads "
                                         r"and tf.keras 2 does not: .*" + re.escape(KERAS3_ONLY[make])):
        model.save(tmp_path / "m.h5")
    attrs, config, _ = _file(tmp_path / "m.h5")
    assert attrs["keras_version"].startswith("3.")
    assert "batch_shape" in json.dumps(config)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = keras.saving.load_model(tmp_path / "m.h5", compile=False)
    got, expected = writer._keras_predict(legacy, x), writer._predict(model, x)
    for g, e in zip(got if isinstance(got, list) else [got],
                    expected if isinstance(expected, list) else [expected]):
        np.testing.assert_allclose(g, e, atol=1e-5)


def test_a_keras3_option_tf_keras_2_lacks_is_named(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # sloi warns that Keras deprecates rms_scaling
        model = sloi.Sequential([L.Input((4,)),
                                 L.LayerNormalization(rms_scaling=True, name="ln")])
    with pytest.warns(UserWarning, match=r'layer "ln" \(LayerNormalization\) sets '
                                         r"rms_scaling=True, which tf.keras 2 does not have"):
        model.save(tmp_path / "m.h5")


@pytest.mark.parametrize("make", [lambda: L.RMSNormalization(name="wrapped"),
                                  lambda: L.SpectralNormalization(L.Dense(3), name="wrapped")],
                         ids=["RMSNormalization", "SpectralNormalization"])
def test_a_layer_tf_keras_2_cannot_read_is_named_and_keras3_reads_the_file(make, tmp_path):
    """tf_keras 2.21 has no RMSNormalization, and its SpectralNormalization can neither be
    built nor read from a file (checked with tf_keras itself): such a model is written in
    Keras 3's dialect, with a warning naming the layer, and Keras 3 reads it."""
    model = sloi.Sequential([L.Input((4,)), make()])
    with pytest.warns(UserWarning, match=r'layer "wrapped" \(\w+\) is a Keras 3 layer that '
                                         r"tf.keras 2 does not have"):
        model.save(tmp_path / "m.h5")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        legacy = keras.saving.load_model(tmp_path / "m.h5", compile=False)
    x = RNG.random((2, 4), "float32")
    np.testing.assert_allclose(writer._keras_predict(legacy, x), writer._predict(model, x),
                               atol=1e-6)


def test_the_dialect_leaves_the_keras3_config_untouched():
    model, _ = _nested_sequential_shared_layers()
    from sloi.saving import keras_writer

    config = keras_writer.keras_model_config(model, "m.h5")
    before = json.dumps(config, sort_keys=True)
    keras2_dialect.keras2_model_config(config)
    assert json.dumps(config, sort_keys=True) == before


@pytest.mark.skipif(not os.environ.get("SLOI_TF_KERAS_PYTHON"),
                    reason="SLOI_TF_KERAS_PYTHON names no Python with tensorflow and tf_keras")
def test_tf_keras_2_reads_what_sloi_writes():
    out = subprocess.run([sys.executable, os.path.join(ROOT, "tools", "check_tf_keras.py"),
                          "--tf-python", os.environ["SLOI_TF_KERAS_PYTHON"], "--json"],
                         capture_output=True, text=True, check=True, timeout=900)
    results = json.loads(out.stdout.strip().splitlines()[-1])
    readable = {f.__name__.lstrip("_") for f in TF_KERAS_2}
    readable |= {name + " save_weights" for name in readable}  # save_weights("w.h5")
    assert readable <= set(results)
    for name in readable:
        assert isinstance(results[name], float) and results[name] <= 1e-5, (name, results[name])


def test_the_optimizer_is_one_tf_keras_2_s_legacy_optimizers_take(tmp_path):
    model, _ = writer._dense_stack()
    model.compile(sloi.optimizers.SGD(0.02, momentum=0.9), sloi.losses.MeanSquaredError())
    _save_quietly(model, tmp_path / "m.h5")
    with h5py.File(tmp_path / "m.h5", "r") as f:
        training = json.loads(f.attrs["training_config"])
    # tf.keras 2 builds its legacy SGD from these, which refuses weight_decay, use_ema, ...;
    # the rate is its float32 variable's value, as Keras 3's get_config gives it
    assert training["optimizer_config"] == {"class_name": "SGD", "config": {
        "name": "sgd", "learning_rate": float(np.float32(0.02)), "momentum": 0.9,
        "nesterov": False}}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        restored = keras.saving.load_model(tmp_path / "m.h5")
    assert type(restored.optimizer).__name__ == "SGD"
    assert float(restored.optimizer.momentum) == pytest.approx(0.9)
    assert float(restored.optimizer.learning_rate) == pytest.approx(0.02)


def test_save_weights_h5_is_tf_keras_2_s_legacy_weights_file(tmp_path):
    model, x = _conv1d_pooling()
    randomized(model)
    model.save_weights(tmp_path / "w.h5")
    with h5py.File(tmp_path / "w.h5", "r") as f:
        assert "model_config" not in f.attrs and "model_weights" not in f
        assert [n.decode() for n in f.attrs["layer_names"]] == [layer.name for layer in
                                                                model.layers]
        assert f.attrs["keras_version"] == keras2_dialect.KERAS2_VERSION
    twin = keras.Sequential([
        keras.Input((12, 3)), keras.layers.Conv1D(4, 3, padding="same", activation="relu"),
        keras.layers.MaxPooling1D(2), keras.layers.Conv1D(2, 3),
        keras.layers.BatchNormalization(), keras.layers.Flatten(), keras.layers.Dense(1)])
    twin.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(writer._keras_predict(twin, x), writer._predict(model, x),
                               atol=1e-5)
    again, _ = _conv1d_pooling()
    again.load_weights(tmp_path / "w.h5")
    np.testing.assert_allclose(writer._predict(again, x), writer._predict(model, x), atol=1e-6)


def test_save_weights_h5_refuses_what_keras_cannot_hold_before_writing(tmp_path):
    import torch.nn

    wrapped = sloi.Sequential([L.Input((4,)), L.TorchModuleWrapper(torch.nn.Linear(4, 2))])
    (tmp_path / "w.h5").write_bytes(b"the previous file")
    with pytest.raises(ValueError, match=r"\(TorchModuleWrapper\) has no Keras equivalent"):
        wrapped.save_weights(tmp_path / "w.h5")
    assert (tmp_path / "w.h5").read_bytes() == b"the previous file"
