"""Functional and Sequential configs: Keras 3's graph format (compared with Keras itself),
shared layers, nested models, several inputs and outputs, and bad configs."""

import json

import keras
import numpy as np
import pytest
import torch

import sloi


def _graph(config):
    """What the graph part of a config says: layer names and classes, and each call's
    argument references."""
    def refs(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            return list(x["config"]["keras_history"])
        if isinstance(x, (list, tuple)):
            return [refs(v) for v in x]
        return x

    layers = [(e["name"], e["class_name"], [refs(n["args"]) for n in e["inbound_nodes"]])
              for e in config["layers"]]
    as_lists = json.loads(json.dumps([config["input_layers"], config["output_layers"]]))
    return layers, as_lists


def _two_branch(m):
    """A model with a shared layer called twice, a nested Sequential and a nested functional
    model, two named inputs and a dict of outputs, built the same way in Keras and in sloi."""
    a = m.Input((4,), name="a")
    b = m.Input((4,), name="b")
    shared = m.layers.Dense(3, name="shared")
    xa, xb = shared(a), shared(b)
    merged = m.layers.Concatenate(name="merge")([xa, xb])
    seq = m.Sequential([m.layers.Dense(2, name="seq_dense")], name="seq")
    i = m.Input((6,), name="inner_in")
    inner = m.Model(i, m.layers.Dense(2, name="inner_dense")(i), name="inner")
    y1, y2 = seq(merged), inner(merged)
    return m.Model({"a": a, "b": b}, {"y1": y1, "y2": y2, "z": inner(merged)}, name="two")


def test_graph_format_matches_keras():
    ours, theirs = _two_branch(sloi).get_config(), _two_branch(keras).get_config()
    assert _graph(ours) == _graph(theirs)
    assert ours["name"] == theirs["name"] and ours["trainable"] is True


def test_sequential_format_matches_keras():
    def build(m):
        return m.Sequential([m.Input((5,), name="x"), m.layers.Dense(2, name="d"),
                             m.layers.Dropout(0.1, name="drop")], name="s")

    ours, theirs = build(sloi).get_config(), build(keras).get_config()
    assert [e["class_name"] for e in ours["layers"]] == [e["class_name"]
                                                         for e in theirs["layers"]]
    assert ours["build_input_shape"] == list(theirs["build_input_shape"])


def _same_outputs(model, rebuilt, x):
    rebuilt.set_weights(model.get_weights())
    expected, got = model(x), rebuilt(x)
    for e, g in zip(sloi.engine.tree.flatten(expected), sloi.engine.tree.flatten(got)):
        torch.testing.assert_close(g, e)


def test_shared_and_nested_round_trip():
    model = _two_branch(sloi)
    rebuilt = sloi.Model.from_config(model.get_config())
    assert type(rebuilt) is sloi.models.Functional
    assert [layer.name for layer in rebuilt.layers] == [layer.name for layer in model.layers]
    assert rebuilt.get_config() == model.get_config()
    rng = np.random.default_rng(0)
    x = {"a": rng.random((3, 4), dtype=np.float32), "b": rng.random((3, 4), dtype=np.float32)}
    _same_outputs(model, rebuilt, x)
    assert set(rebuilt(x)) == {"y1", "y2", "z"}


def test_layer_shared_at_two_depths():
    x = sloi.Input((3,))
    d = sloi.layers.Dense(3, name="d")
    y = d(sloi.layers.Dense(3, name="e")(d(x)))
    model = sloi.Model(x, y)
    rebuilt = sloi.models.model_from_json(model.to_json())
    assert len(rebuilt.get_layer("d").inbound_nodes) == 2
    _same_outputs(model, rebuilt, np.ones((2, 3), np.float32))


def test_lists_of_inputs_and_outputs():
    a, b = sloi.Input((2,)), sloi.Input((3,))
    c = sloi.layers.concatenate([a, b])
    model = sloi.Model([a, b], [sloi.layers.Dense(1)(c), c])
    rebuilt = sloi.Model.from_config(model.get_config())
    assert len(rebuilt.inputs) == 2 and isinstance(rebuilt.output, list)
    _same_outputs(model, rebuilt, [np.ones((2, 2), np.float32), np.ones((2, 3), np.float32)])


def test_a_layer_used_outside_the_model_is_written_with_its_calls_in_the_model_only():
    d = sloi.layers.Dense(2, name="d")
    d(sloi.Input((4,)))  # a call that belongs to no model below
    x = sloi.Input((4,), name="x")
    model = sloi.Model(x, d(x))
    config = model.get_config()
    entry = next(e for e in config["layers"] if e["name"] == "d")
    assert len(entry["inbound_nodes"]) == 1
    assert config["output_layers"] == ["d", 0, 0]
    sloi.Model.from_config(config)


def test_sequential_round_trips_with_and_without_known_input():
    model = sloi.Sequential([sloi.layers.Dense(2, input_shape=(3,)), sloi.layers.Dense(1)])
    rebuilt = sloi.Sequential.from_config(model.get_config())
    assert rebuilt.built and len(rebuilt.layers) == 2
    _same_outputs(model, rebuilt, np.ones((2, 3), np.float32))
    lazy = sloi.Sequential([sloi.layers.Dense(2)])
    assert not sloi.Sequential.from_config(lazy.get_config()).built


def test_a_trainable_false_model_stays_frozen():
    x = sloi.Input((2,))
    model = sloi.Model(x, sloi.layers.Dense(1)(x))
    model.trainable = False
    rebuilt = sloi.Model.from_config(model.get_config())
    assert rebuilt.trainable is False and rebuilt.trainable_weights == []


def _config():
    x = sloi.Input((2,), name="x")
    return sloi.Model(x, sloi.layers.Dense(1, name="d")(x)).get_config()


def test_bad_configs_are_refused_with_what_was_expected():
    with pytest.raises(ValueError, match=r"not a functional model config: it lacks "
                                         r"\['input_layers'\]"):
        config = _config()
        del config["input_layers"]
        sloi.Model.from_config(config)
    config = _config()
    config["output_layers"] = ["nowhere", 0, 0]
    with pytest.raises(ValueError, match=r'refers to layer "nowhere", which it does not define'):
        sloi.Model.from_config(config)
    config = _config()
    config["layers"][1]["inbound_nodes"][0]["args"][0]["config"]["keras_history"] = ["d", 0, 0]
    with pytest.raises(ValueError, match=r"calls of layers \{'d': 1\} wait for tensors"):
        sloi.Model.from_config(config)
    config = _config()
    config["layers"][1]["class_name"] = "Dens"
    with pytest.raises(ValueError, match=r'Unknown layer class "Dens".*Did you mean \'Dense\''):
        sloi.Model.from_config(config)
    with pytest.raises(ValueError, match="A Sequential config's layers must be a list"):
        sloi.Sequential.from_config({"layers": 3})


def test_inputs_that_are_not_input_layers_are_refused():
    x = sloi.Input((2,))
    h = sloi.layers.Dense(2, name="h")(x)
    model = sloi.Model(h, sloi.layers.Dense(1)(h))
    with pytest.raises(ValueError, match=r'its input .* is the output of layer "h", not of an '
                                         r"Input\(\)"):
        model.get_config()


def test_an_output_no_call_produces_is_a_value_error():
    # found by fuzzing .h5 files: a flipped byte in inbound_nodes left the output layer
    # uncalled, and an internal exception escaped
    x = sloi.Input((3,))
    config = sloi.Model(x, sloi.layers.Dense(2, name="head")(x)).get_config()
    config["output_layers"] = [["head", 1, 0]]
    with pytest.raises(ValueError, match=r"The model config names \['head', 1, 0\] as a model "
                                         r"input or output, but its layer is not called that "
                                         r"often"):
        sloi.Model.from_config(config)
