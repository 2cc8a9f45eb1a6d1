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
