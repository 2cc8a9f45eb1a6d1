"""serialize_keras_object writes Keras 3's layout; compared with Keras itself."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.saving import serialize_keras_object


def test_a_built_layer_has_keras_3_top_level_keys():
    ours = sloi.layers.Dense(3)
    ours.build((None, 4))
    theirs = keras.layers.Dense(3)
    theirs.build((None, 4))
    a, b = serialize_keras_object(ours), keras.saving.serialize_keras_object(theirs)
    assert set(a) == set(b)
    for key in ("module", "class_name", "registered_name"):
        assert a[key] == b[key]
    assert a["build_config"] == {"input_shape": (None, 4)}
    assert list(b["build_config"]["input_shape"]) == [None, 4]


@pytest.mark.parametrize("make", [
    lambda m: m.initializers.GlorotUniform(seed=3),
    lambda m: m.regularizers.L2(0.01),
    lambda m: m.constraints.MaxNorm(2.0),
    lambda m: m.losses.Huber(delta=2.0),
    lambda m: m.metrics.MeanAbsoluteError(),
    lambda m: m.optimizers.SGD(learning_rate=0.5, momentum=0.9),
])
def test_builtin_objects_are_written_as_keras_writes_them(make):
    ours = serialize_keras_object(make(sloi))
    theirs = keras.saving.serialize_keras_object(make(keras))
    assert ours["class_name"] == theirs["class_name"]
    assert ours["registered_name"] is None
    assert ours["module"].split(".")[-1] == theirs["module"].split(".")[-1] or (
        "optimizers" in ours["module"] and "optimizers" in theirs["module"])
    shared = set(ours["config"]) & set(theirs["config"])
    assert shared
    for key in shared - {"name", "dtype"}:
        value = theirs["config"][key]
        assert ours["config"][key] == pytest.approx(value) if isinstance(value, float) else (
            ours["config"][key] == value), key


def test_models_are_written_with_keras_model_names():
    x = sloi.Input((2,))
    model = sloi.Model(x, sloi.layers.Dense(1)(x))
    assert serialize_keras_object(model)["module"] == "keras"
    assert serialize_keras_object(model)["class_name"] == "Functional"
    seq = sloi.Sequential([sloi.Input((2,)), sloi.layers.Dense(1)])
    assert serialize_keras_object(seq)["class_name"] == "Sequential"


def test_functions_by_name():
    assert serialize_keras_object(sloi.activations.relu)["config"] == "relu"
    assert serialize_keras_object(sloi.losses.mean_squared_error) == {
        "module": "keras.losses", "class_name": "function",
        "config": "mean_squared_error", "registered_name": "function"}

    @sloi.saving.register_keras_serializable(package="TestSer")
    def cube(x):
        return x ** 3

    assert serialize_keras_object(cube)["config"] == "TestSer>cube"
    with pytest.raises(ValueError, match="a lambda .* cannot be saved"):
        serialize_keras_object(lambda x: x)


def test_custom_classes_carry_their_registered_name():
    @sloi.saving.register_keras_serializable(package="TestSer")
    class Twice(sloi.layers.Layer):
        def call(self, x):
            return 2 * x

    data = serialize_keras_object(Twice(name="t"))
    assert data["registered_name"] == "TestSer>Twice"
    assert data["module"] == __name__
    assert data["config"]["name"] == "t"


def test_plain_values_and_arrays():
    assert serialize_keras_object({"a": (1, 2.5, None, "s")}) == {"a": (1, 2.5, None, "s")}
    assert serialize_keras_object(np.float32(1.5)) == 1.5
    assert serialize_keras_object(torch.float16) == "float16"
    arr = serialize_keras_object(np.arange(3, dtype="int32"))
    assert arr == {"class_name": "__numpy__", "config": {"value": [0, 1, 2], "dtype": "int32"}}
    assert serialize_keras_object(torch.ones(2))["class_name"] == "__tensor__"
    with pytest.raises(TypeError, match="no get_config"):
        serialize_keras_object(object())
