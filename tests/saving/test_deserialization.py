"""deserialize_keras_object: sloi's and Keras's configs back to objects, custom objects,
safe mode, and clear refusals."""


import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.saving import deserialize_keras_object, serialize_keras_object
from sloi.saving.deserialization import RebuildError


@sloi.saving.register_keras_serializable(package="TestDeser")
class Scale(sloi.layers.Layer):
    def __init__(self, factor=2.0, **kwargs):
        super().__init__(**kwargs)
        self.factor = factor

    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), "ones")

    def call(self, x):
        return x * self.w * self.factor

    def get_config(self):
        return {**super().get_config(), "factor": self.factor}


def softish(x):
    return x / (1 + x.abs())


def test_builtin_layer_round_trip_with_build_config():
    layer = sloi.layers.Dense(3, activation="relu", kernel_initializer="he_normal")
    layer.build((None, 4))
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert type(clone) is sloi.layers.Dense and clone.built
    assert clone.get_config() == layer.get_config()
    assert [w.shape for w in clone.get_weights()] == [(4, 3), (3,)]


def test_registered_class_needs_no_custom_objects():
    layer = Scale(3.0, name="scale")
    layer.build((None, 2))
    clone = deserialize_keras_object(serialize_keras_object(layer))
    assert type(clone) is Scale and clone.factor == 3.0 and clone.built


def test_unknown_class_names_it_and_lists_what_was_expected():
    config = {"module": "keras.layers", "class_name": "Densse", "config": {},
              "registered_name": None}
    with pytest.raises(ValueError, match=r'Unknown layer class "Densse".*Did you mean '
                                         r"'Dense'.*Expected one of sloi's layers: .*Dense, "
                                         r".*custom_objects=\{'Densse': Densse\}"):
        deserialize_keras_object(config)
    config = {"module": "my_lib.layers", "class_name": "Mine", "config": {},
              "registered_name": "MyLib>Mine"}
    with pytest.raises(ValueError, match='Unknown layer class "Mine"'):
        deserialize_keras_object(config)


def test_custom_objects_argument_and_scope():
    class Local(Scale):
        pass

    config = serialize_keras_object(Local(name="local"))
    with pytest.raises(ValueError, match=r'Unknown class "Local" \(module "[\w.]*test_deser'):
        deserialize_keras_object(config)
    assert type(deserialize_keras_object(config, custom_objects={"Local": Local})) is Local
    with sloi.saving.custom_object_scope({"Local": Local}):
        assert type(deserialize_keras_object(config)) is Local


def test_custom_activation_inside_a_builtin_layer():
    config = serialize_keras_object(sloi.layers.Dense(2, activation=softish))
    assert config["config"]["activation"] == "softish"
    with pytest.raises(ValueError, match="Unknown activation 'softish'"):
        deserialize_keras_object(config)
    layer = deserialize_keras_object(config, custom_objects={"softish": softish})
    assert layer.activation is softish


def test_custom_layer_inside_a_builtin_wrapper():
    wrapped = sloi.layers.TimeDistributed(Scale(name="inner_scale"))
    clone = deserialize_keras_object(serialize_keras_object(wrapped))
    assert type(clone.layer) is Scale


def test_functions():
    assert deserialize_keras_object(
        {"module": "builtins", "class_name": "function", "config": "relu",
         "registered_name": "function"}) is sloi.activations.relu
    loss = deserialize_keras_object(serialize_keras_object(sloi.losses.mean_squared_error))
    assert loss is sloi.losses.mean_squared_error
    with pytest.raises(ValueError, match='Unknown function "nope".*custom_objects'):
        deserialize_keras_object({"class_name": "function", "config": "nope"})


def test_keras_written_objects_are_read():
    for obj, cls in [(keras.initializers.GlorotUniform(seed=3), sloi.initializers.GlorotUniform),
                     (keras.regularizers.L1L2(0.1, 0.2), sloi.regularizers.L1L2),
                     (keras.losses.Huber(delta=2.0), sloi.losses.Huber),
                     (keras.metrics.AUC(num_thresholds=50), sloi.metrics.AUC),
                     (keras.optimizers.Adam(0.01, beta_1=0.8), sloi.optimizers.Adam)]:
        ours = deserialize_keras_object(keras.saving.serialize_keras_object(obj))
        assert type(ours) is cls
    adam = deserialize_keras_object(keras.saving.serialize_keras_object(
        keras.optimizers.Adam(0.01, beta_1=0.8)))
    assert adam.learning_rate == pytest.approx(0.01) and adam.beta_1 == pytest.approx(0.8)


def test_keras_lambda_code_is_never_run():
    keras_config = keras.saving.serialize_keras_object(keras.layers.Lambda(lambda t: t + 1))
    with pytest.raises(ValueError, match="Refusing to load the Lambda layer"):
        deserialize_keras_object(keras_config)
    name = keras_config["config"]["name"]
    with pytest.warns(UserWarning), pytest.raises(ValueError, match="a Python lambda stored"):
        deserialize_keras_object(keras_config, safe_mode=False)
    with pytest.warns(UserWarning):  # given by the layer's name, the function is ours
        layer = deserialize_keras_object(keras_config, safe_mode=False,
                                         custom_objects={name: softish})
    assert layer.function is softish
    with pytest.raises(ValueError, match="never runs code from a file"):
        deserialize_keras_object({"class_name": "__lambda__", "config": {"code": "AAAA"}},
                                 safe_mode=False)


def test_special_values():
    assert deserialize_keras_object({"class_name": "__tuple__", "config": {"value": [1, 2]}}) \
        == (1, 2)
    arr = deserialize_keras_object({"class_name": "__numpy__",
                                    "config": {"value": [1, 2], "dtype": "int32"}})
    assert isinstance(arr, np.ndarray) and arr.dtype == np.int32
    t = deserialize_keras_object(serialize_keras_object(torch.ones(2, dtype=torch.float64)))
    assert isinstance(t, torch.Tensor) and t.dtype == torch.float64
    with pytest.raises(ValueError, match="numeric dtype; got 'object'"):
        deserialize_keras_object({"class_name": "__numpy__",
                                  "config": {"value": [1], "dtype": "object"}})
    with pytest.raises(ValueError, match="only appear in the inbound_nodes"):
        deserialize_keras_object({"class_name": "__keras_tensor__", "config": {}})


def test_bad_constructor_arguments_become_value_errors():
    config = {"module": "keras.layers", "class_name": "Dense",
              "config": {"units": 2, "frobnicate": None}, "registered_name": None}
    with pytest.raises(ValueError, match=r'Cannot rebuild "Dense" \(Dense\) from its config '
                                         r"\(field frobnicate=None\): TypeError.*frobnicate"):
        deserialize_keras_object(config)


@pytest.mark.parametrize("field, value, error", [
    ("units", -1, "ValueError: Layer \"d\" \\(Dense\\): `units` must be a positive integer; "
                  "got -1 \\(int\\)"),
    ("units", "x", "ValueError: Layer \"d\" \\(Dense\\): `units` must be a positive integer; "
                   "got 'x' \\(str\\)"),
    ("use_bias", "no", "ValueError: Layer \"d\" \\(Dense\\): `use_bias` must be"),
    ("kernel_initializer", 3, "ValueError: Could not interpret initializer identifier 3"),
])
def test_a_refused_value_names_the_layer_and_the_field(field, value, error):
    config = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
              "config": {"name": "d", "units": 2, field: value}}
    with pytest.raises(RebuildError, match=rf'Cannot rebuild "d" \(Dense\) from its config '
                                           rf"\(field {field}={value!r}\): {error}"):
        deserialize_keras_object(config)


@sloi.saving.register_keras_serializable(package="TestDeser")
class Fives(sloi.initializers.Initializer):
    def __call__(self, shape, dtype=None):
        return torch.full(shape, 5.0, dtype=dtype)

    def get_config(self):
        return {}


def test_registered_initializer_inside_a_builtin_layer():
    layer = sloi.layers.Dense(2, kernel_initializer=Fives())
    config = serialize_keras_object(layer)
    assert config["config"]["kernel_initializer"]["class_name"] == "Fives"
    clone = deserialize_keras_object(config)
    assert isinstance(clone.kernel_initializer, Fives)
    clone.build((None, 3))
    assert clone.get_weights()[0].min() == 5
