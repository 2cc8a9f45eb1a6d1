"""The public models of floor 6: the engine's graph classes with training and saving on top."""

import numpy as np
import pytest

import sloi
from sloi.engine import config_decoder
from sloi.engine import functional as graph_functional
from sloi.engine import sequential as graph_sequential


def _sequential():
    return sloi.Sequential([sloi.layers.Input((4,)), sloi.layers.Dense(3)])


def test_model_of_inputs_and_outputs_is_the_public_functional():
    x = sloi.Input((4,))
    model = sloi.Model(inputs=x, outputs=sloi.layers.Dense(2)(x))
    assert type(model) is sloi.models.Functional
    assert isinstance(model, graph_functional.Functional) and isinstance(model, sloi.Model)


def test_public_sequential_is_a_graph_sequential_and_a_model():
    model = _sequential()
    assert isinstance(model, graph_sequential.Sequential)
    assert isinstance(model, sloi.models.Functional) and isinstance(model, sloi.Model)


@pytest.mark.parametrize("name", ["Model", "Functional", "Sequential"])
def test_nested_configs_find_the_public_model_classes(name):
    assert config_decoder.find_layer_class(name) is getattr(sloi.models, name)


def test_wrapped_sequential_round_trips_as_the_public_class(tmp_path):
    wrapper = sloi.layers.TimeDistributed(_sequential())
    again = sloi.layers.TimeDistributed.from_config(wrapper.get_config())
    assert type(again.layer) is sloi.models.Sequential
    x = sloi.Input((5, 4))
    model = sloi.Model(x, wrapper(x))
    path = tmp_path / "m.sloi"
    model.save(path)
    loaded = sloi.models.load_model(path)
    assert type(loaded) is sloi.models.Functional
    assert type(loaded.layers[-1].layer) is sloi.models.Sequential
    data = np.random.default_rng(0).normal(size=(2, 5, 4)).astype("float32")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-6)


def test_subclassed_model_trains_and_evaluates():
    class TwoDense(sloi.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.first = sloi.layers.Dense(4, activation="relu")
            self.second = sloi.layers.Dense(1)

        def call(self, inputs):
            return self.second(self.first(inputs))

    model = TwoDense()
    model.compile(optimizer="sgd", loss="mse")
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(16, 3)).astype("float32"), rng.normal(size=(16, 1)).astype("float32")
    before = model.evaluate(x, y, verbose=0)
    model.fit(x, y, epochs=3, verbose=0)
    assert model.evaluate(x, y, verbose=0) < before
    assert config_decoder.find_layer_class("TwoDense") is None  # user classes: custom_objects


def _functional_subclasses(lib, package):
    """A Model subclass that builds its graph in __init__, and one given (inputs, outputs),
    as keras.io's "customizing what happens in fit" writes it, for ``lib``."""
    @lib.saving.register_keras_serializable(package=package)
    class BuildsItself(lib.Model):
        def __init__(self, **kwargs):
            inputs = lib.Input((3,))
            outputs = lib.layers.Dense(2)(lib.layers.Dense(4, activation="relu")(inputs))
            super().__init__(inputs=inputs, outputs=outputs, **kwargs)

        def doubled(self, x):
            return 2 * self.predict(x, verbose=0)

    @lib.saving.register_keras_serializable(package=package)
    class CustomFit(lib.Model):
        pass

    inputs = lib.Input((3,))
    given = CustomFit(inputs, lib.layers.Dense(2)(inputs))
    return BuildsItself(), given


@pytest.mark.parametrize("ext", ["keras", "sloi", "h5"])
def test_model_subclass_built_functionally_is_a_functional_model(tmp_path, ext):
    import keras

    ours, theirs = (_functional_subclasses(sloi, "TestFunctionalSubclass"),
                    _functional_subclasses(keras, "TestFunctionalSubclass"))
    x = np.random.default_rng(0).normal(size=(5, 3)).astype("float32")
    for model, reference in zip(ours, theirs):
        assert type(model).__name__ == type(reference).__name__
        assert isinstance(model, sloi.models.Functional)
        assert model.name == reference.name
        assert [type(layer).__name__ for layer in model.layers] == [
            type(layer).__name__ for layer in reference.layers]
        assert model.count_params() == reference.count_params()
        model.set_weights(reference.get_weights())
        np.testing.assert_allclose(model.predict(x, verbose=0),
                                   reference.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
        lines = []
        model.summary(print_fn=lines.append)
        assert any("dense" in line and "(None, 2)" in line for line in lines)
        model.compile(optimizer="sgd", loss="mse")
        model.fit(x, np.zeros((5, 2), "float32"), epochs=2, verbose=0)
        path = tmp_path / f"{model.name}.{ext}"
        model.save(path)
        loaded = sloi.models.load_model(path, custom_objects={type(model).__name__: type(model)})
        assert type(loaded) is type(model)
        np.testing.assert_allclose(loaded.predict(x, verbose=0), model.predict(x, verbose=0),
                                   rtol=1e-6)
    builds_itself, given = ours
    np.testing.assert_allclose(builds_itself.doubled(x), 2 * builds_itself.predict(x, verbose=0))
    # a config that builds the graph itself is the class's own arguments; the other, the graph
    assert set(builds_itself.get_config()) == set(theirs[0].get_config())
    assert set(given.get_config()) == set(theirs[1].get_config())
    inputs = sloi.Input((3,))
    assert sloi.models.Model(inputs, sloi.layers.Dense(1)(inputs)).name == "functional"
