import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dense, Wrapper
from tests.conformance import assert_gradients_match_keras, run_layer_test


class Doubled(Wrapper):
    """The wrapped layer's output, twice (a minimal concrete wrapper)."""

    def call(self, inputs):
        return 2 * self.layer(inputs)


class KerasDoubled(keras.layers.Wrapper):
    def call(self, inputs):
        return 2 * self.layer(inputs)


def test_wrapper_conformance_and_keras_parity():
    layer, _ = run_layer_test(
        Doubled, {"layer": Dense(3)}, input_shape=(2, 4), expected_output_shape=(2, 3),
        expected_num_trainable_weights=2, keras_layer_cls=KerasDoubled,
        keras_init_kwargs={"layer": keras.layers.Dense(3)},
    )
    config = layer.get_config()
    assert config["layer"]["class_name"] == "Dense"
    assert config["layer"]["config"]["units"] == 3
    keras_config = KerasDoubled(keras.layers.Dense(3)).get_config()
    assert set(config) == set(keras_config)


def test_wrapper_gradients_match_keras():
    x = np.random.default_rng(0).standard_normal((3, 4)).astype("float32")
    assert_gradients_match_keras(Doubled, KerasDoubled, {"layer": Dense(2)}, x,
                                 keras_kwargs={"layer": keras.layers.Dense(2)})


def test_wrapper_from_config_finds_custom_layers_and_refuses_unknown():
    class Scale(sloi.layers.Layer):
        def call(self, x):
            return 3 * x

    clone = Doubled.from_config({**Doubled(Scale()).get_config()},
                                custom_objects={"Scale": Scale})
    assert isinstance(clone.layer, Scale)
    torch.testing.assert_close(clone(torch.ones(2)), torch.full((2,), 6.0))
    with pytest.raises(ValueError, match=r'Doubled.from_config: unknown layer class "Scale"'):
        Doubled.from_config(Doubled(Scale()).get_config())


def test_wrapper_refuses_what_is_not_a_layer():
    with pytest.raises(ValueError, match=r"Doubled wraps a sloi layer; got Linear"):
        Doubled(torch.nn.Linear(2, 2))
