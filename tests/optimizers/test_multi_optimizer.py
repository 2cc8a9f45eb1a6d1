"""sloi.optimizers.MultiOptimizer and OptimizerMap against Keras's."""

import contextlib

import keras
import numpy as np
import pytest
import torch

from sloi import optimizers
from tests.optimizers.optimizer_parity import (
    assert_state_round_trip,
    gradient_sequence,
    sloi_weights,
)

NAMES = ["encoder/dense/kernel", "encoder/dense/bias", "decoder/kernel"]
SHAPES = [(4, 3), (3,), (2, 2, 2)]


def _make_map(module):
    mapping = module.OptimizerMap(module.SGD(0.1, momentum=0.9))
    mapping["encoder/.*"] = module.Adam(0.05)
    mapping["decoder/kernel"] = module.RMSprop(0.01)
    return mapping


def _keras_steps(optimizer, weights, grads):
    variables = []
    for w, path in zip(weights, NAMES):
        *scopes, name = path.split("/")
        with contextlib.ExitStack() as stack:
            for scope in scopes:
                stack.enter_context(keras.name_scope(scope))
            variables.append(keras.Variable(w, name=name))
    assert [v.path for v in variables] == NAMES
    for step in grads:
        optimizer.apply([keras.ops.convert_to_tensor(g) for g in step], variables)
    return [keras.ops.convert_to_numpy(v.value) for v in variables]


def _sloi_steps(optimizer, weights, grads, named=True):
    params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    optimizer.build(list(zip(NAMES, params)) if named else params)
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g)
        optimizer.step()
    return [p.detach().numpy() for p in params]


def _assert_close(weights, got, expected):
    for w, a, b in zip(weights, got, expected):
        np.testing.assert_allclose(a - w, b - w, rtol=1e-5, atol=1e-6)


def test_optimizer_map_matches_keras():
    weights, grads = gradient_sequence(4, shapes=SHAPES)
    ours = optimizers.MultiOptimizer(_make_map(optimizers))
    expected = _keras_steps(keras.optimizers.MultiOptimizer(_make_map(keras.optimizers)),
                            weights, grads)
    _assert_close(weights, _sloi_steps(ours, weights, grads), expected)
    assert ours.iterations == 4
    assert [type(o).__name__ for o in ours.optimizers] == ["Adam", "RMSprop", "SGD"]
    assert [o.iterations for o in ours.optimizers] == [4, 4, 0]  # SGD has no weight here


def test_callable_selector_and_loss_scale_factor_match_keras():
    def selector_for(module):
        adam, sgd = module.Adam(0.05), module.SGD(0.1)
        return lambda variable: adam if len(variable.shape) == 2 else sgd

    weights, grads = gradient_sequence(3, shapes=SHAPES, scale=4.0)
    ours = optimizers.MultiOptimizer(selector_for(optimizers), loss_scale_factor=4.0)
    theirs = keras.optimizers.MultiOptimizer(selector_for(keras.optimizers),
                                             loss_scale_factor=4.0)
    expected = _keras_steps(theirs, weights, grads)
    _assert_close(weights, _sloi_steps(ours, weights, grads, named=False), expected)
    assert all(o.loss_scale_factor == 4.0 for o in ours.optimizers)


def test_optimizer_map_lookup_as_keras():
    for module in (optimizers, keras.optimizers):
        mapping = module.OptimizerMap(module.RMSprop())
        adam, sgd = module.Adam(), module.SGD()
        mapping["encoder/layer_0/dense"] = adam
        mapping["encoder/.*"] = sgd
        assert mapping["encoder/layer_0/dense"] is adam
        assert mapping["encoder/layer_0/attention/query"] is sgd
        assert mapping["encoder"] is mapping.default_optimizer
        assert len(mapping) == 2 and list(mapping) == ["encoder/layer_0/dense", "encoder/.*"]
        mapping["enc.*"] = module.Adam()
        with pytest.raises(ValueError, match="Multiple optimizers"):
            mapping["encoder/x"]
        with pytest.raises(ValueError, match="already exists"):
            mapping["enc.*"] = module.Adam()
        with pytest.raises(ValueError, match="LossScaleOptimizer"):
            mapping["x"] = module.LossScaleOptimizer(module.SGD())
        with pytest.raises(TypeError, match="default_optimizer"):
            module.OptimizerMap("sgd")


def test_learning_rate_is_per_inner_optimizer():
    opt = optimizers.MultiOptimizer(_make_map(optimizers))
    with pytest.raises(AttributeError, match="sub-optimizers"):
        _ = opt.learning_rate
    with pytest.raises(AttributeError, match="sub-optimizers"):
        opt.learning_rate = 0.1


def test_weights_without_paths_are_refused_by_a_map_with_keys():
    opt = optimizers.MultiOptimizer(_make_map(optimizers))
    with pytest.raises(ValueError, match="needs each weight's path"):
        opt.build([torch.nn.Parameter(torch.zeros(2))])
    # an empty map sends every weight to the default optimizer
    only_default = optimizers.MultiOptimizer(optimizers.OptimizerMap(optimizers.SGD(1.0)))
    got = sloi_weights(only_default, *gradient_sequence(2, shapes=SHAPES))
    expected = sloi_weights(optimizers.SGD(1.0), *gradient_sequence(2, shapes=SHAPES))
    for a, b in zip(got, expected):
        np.testing.assert_array_equal(a, b)


def test_config_round_trip_and_keras_layout():
    ours = optimizers.MultiOptimizer(_make_map(optimizers), loss_scale_factor=2.0, name="multi")
    theirs = keras.optimizers.MultiOptimizer(_make_map(keras.optimizers), loss_scale_factor=2.0,
                                             name="multi")
    config, keras_config = ours.get_config(), theirs.get_config()
    assert list(config) == list(keras_config)
    assert config["optimizer_map"]["class_name"] == keras_config["optimizer_map"]["class_name"]
    inner, keras_inner = config["optimizer_map"]["config"], keras_config["optimizer_map"]["config"]
    assert list(inner) == list(keras_inner)
    assert list(inner["optimizer_map"]) == list(keras_inner["optimizer_map"])
    again = optimizers.deserialize(optimizers.serialize(ours))
    assert isinstance(again, optimizers.MultiOptimizer) and again.get_config() == config
    from_keras = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert [type(o).__name__ for o in from_keras.optimizers] == ["Adam", "RMSprop", "SGD"]
    assert from_keras.loss_scale_factor == 2.0
    with pytest.raises(TypeError, match="callable"):
        optimizers.MultiOptimizer(lambda v: optimizers.SGD()).get_config()


def test_state_round_trip():
    def factory():
        adam, sgd = optimizers.Adam(0.05), optimizers.SGD(0.1, momentum=0.9)
        return optimizers.MultiOptimizer(lambda v: adam if v.ndim == 2 else sgd)

    assert_state_round_trip(factory, shapes=SHAPES)
