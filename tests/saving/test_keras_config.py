"""Keras 2's files: ``.h5`` full models as TensorFlow's Keras 2 (2.4-2.15) writes them.

Keras 2 cannot run beside Keras 3, so each file is written here with h5py in Keras 2's
layout (``model_config`` / ``training_config`` attributes with Keras 2's spellings, a
``model_weights`` group with ``layer_names`` and ``weight_names``), holding the weights of a
Keras 3 model of the same architecture. Where Keras 3's own legacy loader reads the file,
it checks the file; sloi must then predict what that Keras 3 model predicts.
"""

import json

import h5py
import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.saving.keras_config import translate_model_config
from sloi.saving.keras_import import load_keras_model

RNG = np.random.default_rng(1)
GLOROT = {"class_name": "GlorotUniform", "config": {"seed": None}}
ZEROS = {"class_name": "Zeros", "config": {}}
ONES = {"class_name": "Ones", "config": {}}
ORTHOGONAL = {"class_name": "Orthogonal", "config": {"gain": 1.0, "seed": None}}


def _layer(class_name, name, inbound=None, **config):
    entry = {"class_name": class_name,
             "config": {"name": name, "trainable": True, "dtype": "float32", **config}}
    if inbound is not None:
        entry["name"] = name
        entry["inbound_nodes"] = inbound
    return entry


def _input(name, shape, dtype="float32", functional=True):
    entry = {"class_name": "InputLayer", "config": {
        "batch_input_shape": [None, *shape], "dtype": dtype, "sparse": False, "ragged": False,
        "name": name}}
    if functional:
        entry.update(name=name, inbound_nodes=[])
    return entry


def _dense(name, units, activation="linear", inbound=None):
    return _layer("Dense", name, inbound, units=units, activation=activation, use_bias=True,
                  kernel_initializer=GLOROT, bias_initializer=ZEROS, kernel_regularizer=None,
                  bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                  bias_constraint=None)


def _recurrent(class_name, name, units, **extra):
    config = dict(return_sequences=False, return_state=False, go_backwards=False,
                  stateful=False, unroll=False, time_major=False, units=units,
                  activation="tanh", recurrent_activation="sigmoid", use_bias=True,
                  kernel_initializer=GLOROT, recurrent_initializer=ORTHOGONAL,
                  bias_initializer=ZEROS, kernel_regularizer=None, recurrent_regularizer=None,
                  bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                  recurrent_constraint=None, bias_constraint=None, dropout=0.0,
                  recurrent_dropout=0.0, implementation=2)
    config.update(extra)
    return _layer(class_name, name, **config)


def _write_keras2_h5(path, model_config, keras_model, training_config=None):
    """A Keras 2 ``.h5`` file: ``keras_model``'s weights under Keras 2's names."""
    with h5py.File(path, "w") as f:
        f.attrs["keras_version"] = "2.13.1"
        f.attrs["backend"] = "tensorflow"
        f.attrs["model_config"] = json.dumps(model_config)
        if training_config is not None:
            f.attrs["training_config"] = json.dumps(training_config)
        group = f.create_group("model_weights")
        group.attrs["keras_version"] = "2.13.1"
        group.attrs["backend"] = "tensorflow"
        names = []
        for layer in keras_model.layers:
            names.append(layer.name.encode())
            layer_group = group.create_group(layer.name)
            weights = layer.trainable_weights + layer.non_trainable_weights
            weight_names = [f"{layer.name}/{w.path.split('/', 1)[-1]}:{i}"
                            for i, w in enumerate(weights)]
            layer_group.attrs["weight_names"] = np.array([n.encode() for n in weight_names])
            for name, w in zip(weight_names, weights):
                layer_group[name] = keras.ops.convert_to_numpy(w)
        group.attrs["layer_names"] = np.array(names)


def _randomize(model):
    model.set_weights([RNG.uniform(-0.6, 0.6, size=tuple(w.shape)) if "variance" not in w.path
                       else RNG.uniform(0.5, 1.0, size=tuple(w.shape)) for w in model.weights])


def _check(path, keras_model, x, keras_reads_it=True):
    expected = keras.ops.convert_to_numpy(keras_model(x, training=False))
    if keras_reads_it:  # the file is one Keras itself loads, to the same predictions
        theirs = keras.models.load_model(path, compile=False)
        np.testing.assert_allclose(keras.ops.convert_to_numpy(theirs(x)), expected, atol=1e-6)
    ours = load_keras_model(path)
    with torch.no_grad():
        np.testing.assert_allclose(ours.predict(x, verbose=0), expected, atol=1e-5, rtol=0)
    return ours


# ---------------------------------------------------------------------------- models
@pytest.mark.filterwarnings("ignore:The structure of `inputs`")  # Keras's, on its own load
def test_keras2_functional_dense_model_with_training_config(tmp_path):
    config = {"class_name": "Functional", "config": {
        "name": "model", "trainable": True,
        "layers": [_input("input_1", [6]),
                   _dense("dense", 5, "relu", [[["input_1", 0, 0, {}]]]),
                   _dense("dense_1", 3, "softmax", [[["dense", 0, 0, {}]]])],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]}}
    training = {
        "loss": "categorical_crossentropy",
        "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
            "name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"}}]],
        "weighted_metrics": None, "loss_weights": None,
        "optimizer_config": {"class_name": "Custom>Adam", "config": {
            "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
            "clipvalue": None, "use_ema": False, "ema_momentum": 0.99,
            "ema_overwrite_frequency": None, "jit_compile": True, "is_legacy_optimizer": False,
            "learning_rate": 0.002, "beta_1": 0.9, "beta_2": 0.999, "epsilon": 1e-07,
            "amsgrad": False}}}
    x_in = keras.Input((6,))
    h = keras.layers.Dense(5, activation="relu")(x_in)
    reference = keras.Model(x_in, keras.layers.Dense(3, activation="softmax")(h))
    _randomize(reference)
    _write_keras2_h5(tmp_path / "m.h5", config, reference, training)
    x = RNG.normal(size=(4, 6)).astype("float32")
    ours = _check(tmp_path / "m.h5", reference, x, keras_reads_it=True)
    assert isinstance(ours.optimizer, sloi.optimizers.Adam)
    assert ours.optimizer.learning_rate == pytest.approx(0.002)
    logs = ours.evaluate(x, np.eye(3)[[0, 1, 2, 0]], verbose=0, return_dict=True)
    assert set(logs) == {"loss", "accuracy"}


def test_keras2_sequential_embedding_lstm(tmp_path):
    config = {"class_name": "Sequential", "config": {"name": "sequential", "layers": [
        _input("embedding_input", [7], "int32", functional=False),
        _layer("Embedding", "embedding", batch_input_shape=[None, 7], input_dim=10,
               output_dim=4, embeddings_initializer={"class_name": "RandomUniform", "config": {
                   "minval": -0.05, "maxval": 0.05, "seed": None}},
               embeddings_regularizer=None, activity_regularizer=None,
               embeddings_constraint=None, mask_zero=True, input_length=7),
        _recurrent("LSTM", "lstm", 3, unit_forget_bias=True),
        _dense("dense", 1, "sigmoid")]}}
    reference = keras.Sequential([keras.Input((7,), dtype="int32"),
                                  keras.layers.Embedding(10, 4, mask_zero=True),
                                  keras.layers.LSTM(3), keras.layers.Dense(1, "sigmoid")])
    _randomize(reference)
    _write_keras2_h5(tmp_path / "m.h5", config, reference)
    x = RNG.integers(1, 10, size=(3, 7)).astype("int32")
    x[0, -3:] = 0
    # Keras 3 cannot read this Keras 2 file itself: its LSTM refuses time_major.
    _check(tmp_path / "m.h5", reference, x, keras_reads_it=False)


def test_keras2_conv1d_batchnorm_bidirectional_gru(tmp_path):
    config = {"class_name": "Sequential", "config": {"name": "sequential_1", "layers": [
        _input("conv1d_input", [8, 2], functional=False),
        _layer("Conv1D", "conv1d", batch_input_shape=[None, 8, 2], filters=4, kernel_size=[3],
               strides=[1], padding="valid", data_format="channels_last", dilation_rate=[1],
               groups=1, activation="relu", use_bias=True, kernel_initializer=GLOROT,
               bias_initializer=ZEROS, kernel_regularizer=None, bias_regularizer=None,
               activity_regularizer=None, kernel_constraint=None, bias_constraint=None),
        _layer("BatchNormalization", "batch_normalization", axis=[2], momentum=0.99,
               epsilon=0.001, center=True, scale=True, beta_initializer=ZEROS,
               gamma_initializer=ONES, moving_mean_initializer=ZEROS,
               moving_variance_initializer=ONES, beta_regularizer=None,
               gamma_regularizer=None, beta_constraint=None, gamma_constraint=None),
        _layer("Bidirectional", "bidirectional", merge_mode="concat",
               layer=_recurrent("GRU", "gru", 2, reset_after=True)),
        _dense("dense_1", 2)]}}
    reference = keras.Sequential([
        keras.Input((8, 2)), keras.layers.Conv1D(4, 3, activation="relu"),
        keras.layers.BatchNormalization(), keras.layers.Bidirectional(keras.layers.GRU(2)),
        keras.layers.Dense(2)])
    _randomize(reference)
    _write_keras2_h5(tmp_path / "m.h5", config, reference)
    # Keras 3 cannot read this Keras 2 file itself: it finds no class for the GRU inside
    # Bidirectional.
    _check(tmp_path / "m.h5", reference, RNG.normal(size=(3, 8, 2)).astype("float32"),
           keras_reads_it=False)


def test_keras2_nested_models_count_their_own_node(tmp_path):
    # Keras 2 counted the node that built a nested model on an input (functional, or
    # Sequential with an input shape): the calls of "inner" and "branch" are node 1.
    inner_dense = _dense("dense", 3, "tanh")
    inner_dense["config"]["batch_input_shape"] = [None, 4]
    inner = {"class_name": "Sequential", "config": {"name": "inner", "layers": [
        _input("dense_input", [4], functional=False), inner_dense]},
        "name": "inner", "inbound_nodes": [[["input_2", 0, 0, {}]]]}
    branch = {"class_name": "Functional", "config": {
        "name": "branch", "trainable": True,
        "layers": [_input("input_1", [4]), _dense("dense_1", 2, inbound=[[["input_1", 0, 0, {}]]])],
        "input_layers": [["input_1", 0, 0]], "output_layers": [["dense_1", 0, 0]]},
        "name": "branch", "inbound_nodes": [[["input_2", 0, 0, {}]]]}
    config = {"class_name": "Functional", "config": {
        "name": "model_1", "trainable": True,
        "layers": [_input("input_2", [4]), inner, branch,
                   _layer("Concatenate", "concatenate", [[["inner", 1, 0, {}],
                                                          ["branch", 1, 0, {}]]], axis=-1),
                   _dense("dense_2", 1, inbound=[[["concatenate", 0, 0, {}]]])],
        "input_layers": [["input_2", 0, 0]], "output_layers": [["dense_2", 0, 0]]}}
    seq = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="tanh")])
    x_in = keras.Input((4,))
    sub = keras.Model(x_in, keras.layers.Dense(2)(x_in))
    y = keras.Input((4,))
    merged = keras.layers.concatenate([seq(y), sub(y)])
    reference = keras.Model(y, keras.layers.Dense(1)(merged))
    _randomize(reference)
    _write_keras2_h5(tmp_path / "m.h5", config, reference)
    # Keras 3 cannot read this Keras 2 file itself: it numbers the calls of a nested
    # functional model from 0 and finds no node 1.
    _check(tmp_path / "m.h5", reference, RNG.normal(size=(3, 4)).astype("float32"),
           keras_reads_it=False)


def test_keras2_attention_layers_with_tensors_among_call_arguments(tmp_path):
    # Keras 2 wrote MultiHeadAttention's value tensor into the call's keyword arguments as
    # [layer, node, tensor], and the built shapes into the layer's config.
    shape = [None, 5, 4]
    config = {"class_name": "Functional", "config": {
        "name": "model", "trainable": True,
        "layers": [
            _input("input_1", [5, 3]),
            _layer("TimeDistributed", "time_distributed", [[["input_1", 0, 0, {}]]],
                   layer=_dense("dense", 4)),
            _layer("LayerNormalization", "layer_normalization",
                   [[["time_distributed", 0, 0, {}]]], axis=[2], epsilon=0.001, center=True,
                   scale=True, beta_initializer=ZEROS, gamma_initializer=ONES,
                   beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                   gamma_constraint=None),
            _layer("MultiHeadAttention", "multi_head_attention",
                   [[["layer_normalization", 0, 0,
                      {"value": ["layer_normalization", 0, 0]}]]],
                   num_heads=2, key_dim=2, value_dim=2, dropout=0.0, use_bias=True,
                   output_shape=None, attention_axes=[1], kernel_initializer=GLOROT,
                   bias_initializer=ZEROS, kernel_regularizer=None, bias_regularizer=None,
                   activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                   query_shape=shape, key_shape=shape, value_shape=shape),
            _layer("Attention", "attention", [[["layer_normalization", 0, 0, {}],
                                               ["layer_normalization", 0, 0, {}]]],
                   use_scale=True, score_mode="dot", dropout=0.0),
            _layer("Concatenate", "concatenate", [[["attention", 0, 0, {}],
                                                   ["multi_head_attention", 0, 0, {}]]],
                   axis=-1),
            _layer("GlobalMaxPooling1D", "global_max_pooling1d", [[["concatenate", 0, 0, {}]]],
                   data_format="channels_last", keepdims=False)],
        "input_layers": [["input_1", 0, 0]],
        "output_layers": [["global_max_pooling1d", 0, 0]]}}
    seq = keras.Input((5, 3))
    h = keras.layers.LayerNormalization()(keras.layers.TimeDistributed(keras.layers.Dense(4))(seq))
    att = keras.layers.Attention(use_scale=True)([h, h])
    mha = keras.layers.MultiHeadAttention(2, 2)(h, h)
    out = keras.layers.GlobalMaxPooling1D()(keras.layers.concatenate([att, mha]))
    reference = keras.Model(seq, out)
    _randomize(reference)
    _write_keras2_h5(tmp_path / "m.h5", config, reference)
    # Keras 3 cannot read this Keras 2 file itself: it finds no class for the Dense inside
    # TimeDistributed.
    _check(tmp_path / "m.h5", reference, RNG.normal(size=(3, 5, 3)).astype("float32"),
           keras_reads_it=False)


# ---------------------------------------------------------------------------- translation
def _sequential(*layers):
    return {"class_name": "Sequential", "config": {"name": "s", "layers": list(layers)}}


def test_keras2_arguments_that_change_nothing_are_dropped():
    lstm = _recurrent("LSTM", "lstm", 3, implementation=1)
    out = translate_model_config(_sequential(lstm), "f.h5", keras_major=2)
    assert "time_major" not in out["config"]["layers"][0]["config"]
    bn = _layer("BatchNormalization", "bn", axis=[3])
    assert translate_model_config(_sequential(bn), "f.h5")["config"]["layers"][0][
        "config"]["axis"] == 3


def test_keras_only_arguments_with_other_values_are_refused():
    with pytest.raises(ValueError, match=r'layer "lstm" \(LSTM\) sets time_major=True, which '
                                         "sloi does not support"):
        translate_model_config(_sequential(_recurrent("LSTM", "lstm", 3, time_major=True)),
                               "f.h5", keras_major=2)
    dense = _dense("dense", 2)
    dense["config"]["quantization_config"] = {"mode": "int8"}
    translated = translate_model_config(_sequential(dense), "f.keras")
    with pytest.raises(ValueError, match=r"\(Dense\): quantization_config=.*not support"):
        sloi.saving.deserialize_keras_object(translated)


def test_keras2_only_layers_and_foreign_configs_are_named():
    with pytest.raises(ValueError, match="CuDNNLSTM.*re-create it as LSTM"):
        translate_model_config(_sequential(_layer("CuDNNLSTM", "cu_dnnlstm", units=2)), "f.h5")
    with pytest.raises(ValueError, match=r'"f.h5" holds a \'MyModel\', not a Keras model'):
        translate_model_config({"class_name": "MyModel", "config": {}}, "f.h5")


def test_a_keras2_lambda_is_refused_and_its_code_never_kept():
    code = {"class_name": "Lambda", "config": {
        "name": "lambda", "trainable": True, "dtype": "float32",
        "function": ["4wEAAAAAAAAAAAAAAAEAAAACAAAAQwAAAHMIAAAAfABkARQAUwApAk7pAgAAAKkA", None, None],
        "function_type": "lambda", "module": "__main__", "output_shape": None,
        "output_shape_type": "raw", "output_shape_module": None, "arguments": {}}}
    with pytest.raises(ValueError, match='Lambda layer "lambda".*never runs code'):
        translate_model_config(_sequential(code), "f.h5", keras_major=2)
    out = translate_model_config(_sequential(code), "f.h5", keras_major=2, safe_mode=False)
    assert "4wEA" not in json.dumps(out)
