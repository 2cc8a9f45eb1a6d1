"""Op nodes: functional-graph steps that run one function (``x + y``, ``x[:, -1]``), recorded,
run, summarized, saved and loaded like layers, and found again by Keras class name only."""

import json

import numpy as np
import pytest
import torch

import sloi
from sloi import layers
from sloi.engine.operation import OPERATIONS, Operation

RNG = np.random.default_rng(1)


def _model():
    inputs = sloi.Input((4, 3))
    x = layers.Dense(3)(inputs)
    x = (x + inputs)[:, 1:, ...] * 2.0
    return sloi.Model(inputs, -x[..., None, 0])


def test_a_model_with_op_nodes_round_trips_through_json_and_sloi_files(tmp_path):
    model = _model()
    data = RNG.standard_normal((3, 4, 3)).astype("float32")
    expected = model.predict(data, verbose=0)
    assert expected.shape == (3, 3, 1)
    again = sloi.models.model_from_json(model.to_json())
    again.set_weights(model.get_weights())
    np.testing.assert_allclose(again.predict(data, verbose=0), expected, rtol=1e-6)
    assert [type(op).__name__ for op in again.operations] == [
        "InputLayer", "Dense", "Operation", "Operation", "Operation", "Operation",
        "Operation"]
    path = tmp_path / "ops.sloi"
    model.save(path)
    loaded = sloi.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), expected, rtol=1e-6)


def test_a_model_with_op_nodes_trains():
    model = _model()
    model.compile("sgd", "mse")
    data = RNG.standard_normal((16, 4, 3)).astype("float32")
    before = [w.copy() for w in model.get_weights()]
    history = model.fit(data, np.zeros((16, 3, 1), "float32"), epochs=2, verbose=0)
    assert history.history["loss"][1] < history.history["loss"][0]
    assert any(np.abs(a - b).max() > 0 for a, b in zip(before, model.get_weights()))


def test_op_configs_are_written_as_keras_writes_them():
    config = _model().get_config()
    add = next(entry for entry in config["layers"] if entry["class_name"] == "Add")
    assert add["module"] == "keras.src.ops.numpy" and add["config"] == {"name": "add"}
    item = next(entry for entry in config["layers"] if entry["class_name"] == "GetItem")
    key = item["inbound_nodes"][0]["args"][1]
    assert key[0] == {"class_name": "__slice__", "config": {"start": None, "stop": None,
                                                            "step": None}}
    assert key[2] == {"class_name": "__ellipsis__", "config": {}}
    json.dumps(config)


def test_an_unknown_op_in_a_config_is_a_clear_load_error_and_nothing_is_imported():
    config = json.loads(_model().to_json())
    entry = next(e for e in config["config"]["layers"] if e["class_name"] == "Add")
    entry["class_name"] = entry["registered_name"] = "os.system"
    with pytest.raises(ValueError, match='Unknown operation "os.system"'):
        sloi.models.model_from_json(json.dumps(config))
    entry["class_name"] = "Ad"
    with pytest.raises(ValueError, match="Did you mean 'Add'"):
        sloi.models.model_from_json(json.dumps(config))


def test_the_catalogue_holds_functions_by_keras_class_name():
    assert OPERATIONS["Add"] is sloi.ops.add
    assert OPERATIONS["GetItem"] is sloi.ops.get_item
    op = Operation.from_class_name("Subtract", {"name": "sub"})
    assert op.name == "sub" and torch.equal(op(torch.tensor(3), torch.tensor(1)),
                                            torch.tensor(2))


def _transformer_block(K):
    inputs = K.Input((6, 8))
    x = K.layers.MultiHeadAttention(num_heads=2, key_dim=4)(inputs, inputs)
    x = K.layers.LayerNormalization()(x + inputs)
    h = K.layers.Dense(16, activation="relu")(x)
    x = K.layers.LayerNormalization()(x + K.layers.Dense(8)(h))
    pooled = K.ops.mean(x, axis=1) - x[:, -1] / 2.0
    scores = K.ops.softmax(x @ K.ops.transpose(x, (0, 2, 1)), axis=-1)
    return K.Model(inputs, [K.layers.Dense(3)(pooled), K.ops.sum(scores, axis=-1) ** 2])


def test_a_keras_3_transformer_block_with_ops_equals_keras():
    from tests.parity import assert_same_model

    data = torch.from_numpy(RNG.standard_normal((4, 6, 8)).astype("float32"))
    ours, theirs = assert_same_model(_transformer_block, data)
    assert [op.name for op in ours.operations] == [op.name for op in theirs.operations]
    assert [type(op).__name__ for op in theirs.operations] == [
        sloi.engine.operation.type_name(op) for op in ours.operations]
