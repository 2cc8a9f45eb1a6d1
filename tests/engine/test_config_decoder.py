"""The one decoder for nested configs (sloi/engine/config_decoder.py): user-written and
registered layers inside RNN, Bidirectional, StackedRNNCells and TimeDistributed round-trip
through ``from_config``, ``to_json`` / ``model_from_json`` and ``.sloi`` files; unknown names
are errors that name them; nothing is imported because a config says so; Keras-written
configs with nested layers load with Keras's numbers."""

import json
import sys

import keras
import numpy as np
import pytest
import torch

import sloi


class MinimalCell(sloi.layers.Layer):
    """A user-written cell, not registered: h' = x W + h U (Keras's guide's MinimalRNNCell)."""

    def __init__(self, units, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.state_size = units

    def build(self, input_shape):
        self.kernel = self.add_weight(shape=(input_shape[-1], self.units),
                                      initializer="glorot_uniform", name="kernel")
        self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                initializer="orthogonal",
                                                name="recurrent_kernel")

    def call(self, inputs, states):
        h = inputs @ self.kernel + states[0] @ self.recurrent_kernel
        return h, [h]

    def get_config(self):
        return {**super().get_config(), "units": self.units}


@sloi.saving.register_keras_serializable(package="DecoderTest")
class RegisteredCell(MinimalCell):
    """The same cell, registered: found by its registered name without custom_objects."""


@sloi.saving.register_keras_serializable(package="DecoderTest")
class RegisteredScale(sloi.layers.Layer):
    """A registered user layer with a weight: y = x * scale."""

    def __init__(self, init=2.0, **kwargs):
        super().__init__(**kwargs)
        self.init = init

    def build(self, input_shape):
        self.scale = self.add_weight(shape=(input_shape[-1],),
                                     initializer=sloi.initializers.Constant(self.init),
                                     name="scale")

    def call(self, inputs):
        return inputs * self.scale

    def get_config(self):
        return {**super().get_config(), "init": self.init}


def _x(*shape):
    return np.random.default_rng(0).normal(size=shape).astype("float32")


def _same_numbers(a, b, x):
    """``b`` given ``a``'s weights gives ``a``'s outputs."""
    b(torch.from_numpy(x))  # builds it
    b.set_weights(a.get_weights())
    np.testing.assert_allclose(np.asarray(b(torch.from_numpy(x)).detach()),
                               np.asarray(a(torch.from_numpy(x)).detach()), atol=1e-6)


def _model(layer, shape):
    return sloi.Sequential([sloi.Input(shape=shape), layer])


# ------------------------------------------------------------------ a user's cell, unregistered
def test_user_cell_round_trips_through_rnn_from_config_with_custom_objects():
    rnn = sloi.layers.RNN(MinimalCell(3), return_sequences=True)
    x = _x(2, 5, 4)
    rnn(torch.from_numpy(x))
    config = rnn.get_config()
    assert config["cell"]["class_name"] == "MinimalCell"
    assert config["cell"]["registered_name"] == "MinimalCell"  # as Keras writes a user class
    clone = sloi.layers.RNN.from_config(config, custom_objects={"MinimalCell": MinimalCell})
    assert type(clone.cell) is MinimalCell and clone.cell.units == 3
    _same_numbers(rnn, clone, x)
    with sloi.saving.custom_object_scope({"MinimalCell": MinimalCell}):
        assert type(sloi.layers.RNN.from_config(config).cell) is MinimalCell


def test_user_cell_without_custom_objects_is_an_error_naming_it():
    config = sloi.layers.RNN(MinimalCell(3)).get_config()
    with pytest.raises(ValueError, match=r'RNN.from_config: unknown layer class "MinimalCell" '
                                         r"in `cell`.*custom_objects=\{'MinimalCell'"):
        sloi.layers.RNN.from_config(config)


def test_user_cell_round_trips_through_json_and_sloi_file(tmp_path):
    model = _model(sloi.layers.RNN(MinimalCell(3)), (5, 4))
    x = _x(2, 5, 4)
    custom = {"MinimalCell": MinimalCell}
    _same_numbers(model, sloi.models.model_from_json(model.to_json(), custom_objects=custom), x)
    model.save(tmp_path / "cell.sloi")
    loaded = sloi.models.load_model(tmp_path / "cell.sloi", custom_objects=custom)
    assert type(loaded.layers[0].cell) is MinimalCell
    np.testing.assert_allclose(np.asarray(loaded(torch.from_numpy(x)).detach()),
                               np.asarray(model(torch.from_numpy(x)).detach()), atol=1e-6)
    with pytest.raises(ValueError, match='"MinimalCell"'):
        sloi.models.model_from_json(model.to_json())


def test_bidirectional_copies_a_user_cell_without_registration():
    layer = sloi.layers.Bidirectional(sloi.layers.RNN(MinimalCell(3)))
    assert type(layer.forward_layer.cell) is MinimalCell
    assert type(layer.backward_layer.cell) is MinimalCell
    assert layer.backward_layer.go_backwards


# ------------------------------------------------------------------ registered user classes
_WRAPPERS = {
    "bidirectional": (lambda: sloi.layers.Bidirectional(sloi.layers.RNN(RegisteredCell(3))),
                      (5, 4)),
    "time_distributed": (lambda: sloi.layers.TimeDistributed(RegisteredScale(3.0)), (5, 4)),
    "stacked_cells": (lambda: sloi.layers.RNN(sloi.layers.StackedRNNCells(
        [RegisteredCell(3), sloi.layers.LSTMCell(2)])), (5, 4)),
    "rnn_of_cells": (lambda: sloi.layers.RNN([sloi.layers.GRUCell(2), RegisteredCell(3)]),
                     (5, 4)),
}


@pytest.mark.parametrize("kind", sorted(_WRAPPERS))
def test_registered_layers_round_trip_through_from_config(kind):
    make, shape = _WRAPPERS[kind]
    layer = make()
    x = _x(2, *shape)
    layer(torch.from_numpy(x))
    clone = type(layer).from_config(layer.get_config())
    assert ([type(m).__name__ for m in clone.modules()]
            == [type(m).__name__ for m in layer.modules()])
    _same_numbers(layer, clone, x)


@pytest.mark.parametrize("kind", sorted(_WRAPPERS))
def test_registered_layers_round_trip_through_json_and_sloi_file(kind, tmp_path):
    make, shape = _WRAPPERS[kind]
    model = _model(make(), shape)
    x = _x(2, *shape)
    text = model.to_json()
    assert "DecoderTest>" in text  # written by registered name, as Keras does
    _same_numbers(model, sloi.models.model_from_json(text), x)
    model.save(tmp_path / "wrapped.sloi")
    loaded = sloi.models.load_model(tmp_path / "wrapped.sloi")
    np.testing.assert_allclose(np.asarray(loaded(torch.from_numpy(x)).detach()),
                               np.asarray(model(torch.from_numpy(x)).detach()), atol=1e-6)


def test_registered_layer_found_by_keras_deserialize_with_a_scope():
    layer = sloi.layers.TimeDistributed(MinimalCell(2))
    data = sloi.saving.serialize_keras_object(layer)
    with sloi.saving.custom_object_scope({"MinimalCell": MinimalCell}):
        clone = sloi.saving.deserialize_keras_object(data)
    assert type(clone.layer) is MinimalCell


# ------------------------------------------------------------------ unknown names, no imports
_NESTED = {
    "RNN": ("cell", lambda spec: sloi.layers.RNN.from_config({"cell": spec})),
    "Bidirectional": ("layer", lambda spec: sloi.layers.Bidirectional.from_config(
        {"layer": spec})),
    "TimeDistributed": ("layer", lambda spec: sloi.layers.TimeDistributed.from_config(
        {"layer": spec})),
    "StackedRNNCells": ("cells", lambda spec: sloi.layers.StackedRNNCells.from_config(
        {"cells": [spec]})),
}


@pytest.mark.parametrize("owner", sorted(_NESTED))
def test_unknown_nested_class_is_an_error_naming_it_and_imports_nothing(owner):
    key, load = _NESTED[owner]
    module = "sloi_decoder_test_never_imported"
    spec = {"module": module, "class_name": "Mystery", "config": {}, "registered_name": None}
    with pytest.raises(ValueError, match=rf'{owner}.from_config: unknown layer class "Mystery" '
                                         rf"in `{key}`"):
        load(spec)
    assert module not in sys.modules


def test_unknown_nested_class_in_a_model_json_names_it():
    model = _model(sloi.layers.TimeDistributed(sloi.layers.Dense(2)), (5, 4))
    data = json.loads(model.to_json())
    wrapped = data["config"]["layers"][-1]["config"]["layer"]
    wrapped.update(class_name="Densee", module="os", registered_name=None)
    with pytest.raises(ValueError, match=r'"Densee".*Did you mean \'Dense\''):
        sloi.models.model_from_json(json.dumps(data))


def test_a_class_named_like_a_module_function_is_not_called():
    spec = {"module": "os", "class_name": "system", "config": {"command": "echo no"}}
    with pytest.raises(ValueError, match='unknown layer class "system"'):
        sloi.layers.TimeDistributed.from_config({"layer": spec})


# ------------------------------------------------------------------ Keras-written configs
def _keras_model(layer, shape):
    return keras.Sequential([keras.Input(shape=shape), layer])


_KERAS_NESTED = {
    "time_distributed": lambda: keras.layers.TimeDistributed(keras.layers.Dense(3)),
    "bidirectional": lambda: keras.layers.Bidirectional(keras.layers.LSTM(3),
                                                        merge_mode="sum"),
    "bidirectional_backward": lambda: keras.layers.Bidirectional(
        keras.layers.GRU(3, return_sequences=True),
        backward_layer=keras.layers.GRU(3, return_sequences=True, go_backwards=True)),
    "rnn_of_cells": lambda: keras.layers.RNN([keras.layers.LSTMCell(2),
                                              keras.layers.GRUCell(3)]),
    "stacked_cells": lambda: keras.layers.RNN(keras.layers.StackedRNNCells(
        [keras.layers.SimpleRNNCell(2), keras.layers.LSTMCell(3)])),
}


@pytest.mark.parametrize("kind", sorted(_KERAS_NESTED))
def test_keras_written_nested_configs_load_with_kerass_numbers(kind):
    reference = _keras_model(_KERAS_NESTED[kind](), (5, 4))
    model = sloi.models.model_from_json(reference.to_json())
    model.set_weights(reference.get_weights())
    x = _x(2, 5, 4)
    np.testing.assert_allclose(np.asarray(model(torch.from_numpy(x)).detach()),
                               keras.ops.convert_to_numpy(reference(x)), atol=1e-5)


def test_keras_written_registered_user_cell_loads_by_registered_name(tmp_path):
    @keras.saving.register_keras_serializable(package="DecoderTest", name="RegisteredCell")
    class KerasCell(keras.layers.Layer):
        def __init__(self, units, **kwargs):
            super().__init__(**kwargs)
            self.units = units
            self.state_size = units

        def build(self, input_shape):
            self.kernel = self.add_weight(shape=(input_shape[-1], self.units), name="kernel")
            self.recurrent_kernel = self.add_weight(shape=(self.units, self.units),
                                                    name="recurrent_kernel")

        def call(self, inputs, states):
            h = (keras.ops.matmul(inputs, self.kernel)
                 + keras.ops.matmul(states[0], self.recurrent_kernel))
            return h, [h]

        def get_config(self):
            return {**super().get_config(), "units": self.units}

    try:
        reference = _keras_model(keras.layers.Bidirectional(keras.layers.RNN(KerasCell(3))),
                                 (5, 4))
        text = reference.to_json()
        reference.save(tmp_path / "cell.keras")
    finally:
        keras.saving.get_custom_objects().pop("DecoderTest>RegisteredCell", None)
    assert "DecoderTest>RegisteredCell" in text
    model = sloi.models.model_from_json(text)
    assert type(model.layers[0].forward_layer.cell) is RegisteredCell
    model.set_weights(reference.get_weights())
    x = _x(2, 5, 4)
    expected = keras.ops.convert_to_numpy(reference(x))
    np.testing.assert_allclose(np.asarray(model(torch.from_numpy(x)).detach()), expected,
                               atol=1e-5)
    loaded = sloi.models.load_model(tmp_path / "cell.keras")  # weights from Keras's file
    assert type(loaded.layers[0].backward_layer.cell) is RegisteredCell
    np.testing.assert_allclose(np.asarray(loaded(torch.from_numpy(x)).detach()), expected,
                               atol=1e-5)


# ------------------------------------------------------------------ other nested holders
@sloi.saving.register_keras_serializable(package="DecoderTest")
class Doubler(torch.nn.Module):
    """A registered plain torch module (TorchModuleWrapper finds it by registered name)."""

    def __init__(self, size):
        super().__init__()
        self.size = size
        self.linear = torch.nn.Linear(size, size)

    def forward(self, x):
        return 2 * self.linear(x)

    def get_config(self):
        return {"size": self.size}


def test_torch_module_wrapper_finds_a_registered_module_by_name():
    layer = sloi.layers.TorchModuleWrapper(Doubler(3))
    config = layer.get_config()
    assert config["module"]["class_name"] == "DecoderTest>Doubler"
    clone = sloi.layers.TorchModuleWrapper.from_config(config)
    assert type(clone.module) is Doubler
    clone.module.load_state_dict(layer.module.state_dict())
    x = torch.from_numpy(_x(2, 3))
    torch.testing.assert_close(clone(x), layer(x))


def test_spectral_normalization_around_a_registered_layer_round_trips():
    layer = sloi.layers.SpectralNormalization(sloi.layers.TimeDistributed(
        sloi.layers.Dense(2)))
    config = layer.get_config()
    clone = sloi.layers.SpectralNormalization.from_config(config)
    assert type(clone.layer.layer) is sloi.layers.Dense


def test_a_registered_class_named_like_a_builtin_does_not_replace_it():
    @sloi.saving.register_keras_serializable(package="DecoderTestShadow", name="Dense")
    class Dense(sloi.layers.Layer):  # noqa: F811 - the clash is the point
        def call(self, inputs):
            return inputs

    try:
        builtin = sloi.layers.TimeDistributed(sloi.layers.Dense(2)).get_config()
        assert type(sloi.layers.TimeDistributed.from_config(builtin).layer) is sloi.layers.Dense
        user = sloi.layers.TimeDistributed(Dense()).get_config()
        assert user["layer"]["registered_name"] == "DecoderTestShadow>Dense"
        assert type(sloi.layers.TimeDistributed.from_config(user).layer) is Dense
    finally:
        sloi.saving.get_custom_objects().pop("DecoderTestShadow>Dense", None)


def test_feature_space_takes_custom_objects_for_a_user_preprocessor():
    class Halve(sloi.layers.Layer):
        def call(self, inputs):
            return inputs / 2

    space = sloi.utils.FeatureSpace(
        features={"x": sloi.utils.FeatureSpace.feature("float32", Halve(name="halve"),
                                                       "float")},
        output_mode="concat")
    config = space.get_config()
    with pytest.raises(ValueError, match='"Halve"'):
        sloi.utils.FeatureSpace.from_config(config)
    clone = sloi.utils.FeatureSpace.from_config(config, custom_objects={"Halve": Halve})
    assert type(clone.features["x"].preprocessor) is Halve
