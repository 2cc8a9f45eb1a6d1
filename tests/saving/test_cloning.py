import numpy as np
import torch

import sloi


class Scale(sloi.layers.Layer):
    def build(self, input_shape):
        self.w = self.add_weight("w", (input_shape[-1],), "ones")

    def call(self, x):
        return x * self.w


def _check(model, clone, x):
    assert clone is not model and clone.get_config() == model.get_config()
    assert not any(a is b for a, b in zip(clone.weights, model.weights))
    clone.set_weights(model.get_weights())
    torch.testing.assert_close(clone(x), model(x))


def test_clone_sequential_and_functional_with_nested_and_lambda():
    seq = sloi.Sequential([sloi.Input((3,)), sloi.layers.Dense(4), Scale()], name="s")
    x = sloi.Input((3,))
    lam = sloi.layers.Lambda(lambda t: t * 3)
    model = sloi.Model(x, sloi.layers.Dense(2)(lam(seq(x))))
    data = np.ones((2, 3), np.float32)
    _check(seq, sloi.models.clone_model(seq), data)
    clone = sloi.models.clone_model(model)
    _check(model, clone, data)
    assert clone.layers[2].function is lam.function


def test_clone_function_is_used():
    seen = []

    def clone_function(layer):
        seen.append(layer.name)
        return type(layer).from_config(layer.get_config())

    model = sloi.Sequential([sloi.Input((3,)), sloi.layers.Dense(4, name="d")])
    sloi.models.clone_model(model, clone_function=clone_function)
    assert seen == ["d"]
