"""sloi.optimizers.LossScaleOptimizer against keras.optimizers.LossScaleOptimizer."""

import keras
import numpy as np
import pytest
import torch

from sloi import mixed_precision, optimizers
from tests.optimizers.optimizer_parity import (
    assert_state_round_trip,
    gradient_sequence,
    sloi_weights,
)


def _overflowing_gradients(steps=9):
    weights, grads = gradient_sequence(steps)
    grads[2][0][0, 0] = np.inf
    grads[5][1][1] = np.nan
    grads[6][2][0, 0, 0] = -np.inf
    return weights, grads


def _keras_run(optimizer, weights, grads):
    variables = [keras.Variable(w) for w in weights]
    scales, iterations = [], []
    for step in grads:
        scale = float(keras.ops.convert_to_numpy(optimizer.scale_loss(1.0)))
        optimizer.apply([keras.ops.convert_to_tensor(g * np.float32(scale)) for g in step],
                        variables)
        scales.append(float(keras.ops.convert_to_numpy(optimizer.dynamic_scale)))
        iterations.append(int(keras.ops.convert_to_numpy(optimizer.iterations)))
    return [keras.ops.convert_to_numpy(v.value) for v in variables], scales, iterations


def _sloi_run(optimizer, weights, grads):
    params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    optimizer.build(params)
    scales, iterations = [], []
    for step in grads:
        loss_scale = float(optimizer.scale_loss(torch.tensor(1.0)))
        for p, g in zip(params, step):
            p.grad = torch.tensor(g) * loss_scale
        optimizer.step()
        scales.append(optimizer.dynamic_scale)
        iterations.append(int(optimizer.iterations.numpy()))  # a Variable, as Keras's
    return [p.detach().numpy() for p in params], scales, iterations


@pytest.mark.parametrize("inner", ["SGD", "Adam"])
def test_dynamic_scaling_matches_keras(inner):
    weights, grads = _overflowing_gradients()
    kwargs = {"learning_rate": 0.1} if inner == "Adam" else {"learning_rate": 0.1, "momentum": 0.9}

    def make(module):
        return module.LossScaleOptimizer(
            getattr(module, inner)(**kwargs), initial_scale=4.0, dynamic_growth_steps=2
        )

    expected, keras_scales, keras_iterations = _keras_run(make(keras.optimizers), weights, grads)
    got, scales, iterations = _sloi_run(make(optimizers), weights, grads)
    assert scales == keras_scales and iterations == keras_iterations
    assert 2.0 in scales and 8.0 in scales  # halved and doubled
    # The weight changes, relatively: Keras's Adam bias corrections are float32 (see
    # assert_same_steps).
    for w, a, b in zip(weights, got, expected):
        np.testing.assert_allclose(a - w, b - w, rtol=1e-5, atol=1e-6)


def test_skipped_step_leaves_weights_and_moments_alone():
    opt = optimizers.LossScaleOptimizer(optimizers.Adam(0.1))
    p = torch.nn.Parameter(torch.ones(2))
    opt.build([p])
    p.grad = opt.scale_loss(torch.tensor([1.0, float("nan")]))
    assert opt.step() is False
    assert p.tolist() == [1.0, 1.0] and opt.iterations == 0 and not opt.torch_optimizer.state
    assert opt.dynamic_scale == 2.0**14 and opt.scale_loss(1.0) == 2.0**14


def test_delegates_to_the_inner_optimizer():
    inner = optimizers.SGD(0.5, loss_scale_factor=8.0)
    opt = optimizers.LossScaleOptimizer(inner)
    assert inner.loss_scale_factor is None  # unscaled once, here
    assert opt.learning_rate == 0.5
    opt.learning_rate = 0.25
    assert inner.learning_rate == 0.25
    assert opt.scale_loss(2.0) == 2.0**16  # initial_scale before build
    weights, grads = gradient_sequence(2)
    with pytest.warns(UserWarning, match="without scale_loss"):  # once, not every step
        sloi_weights(opt, weights, [[g * 2.0**15 for g in step] for step in grads])
    assert opt.iterations == inner.iterations == 2
    expected = sloi_weights(optimizers.SGD(0.25), weights, grads)
    np.testing.assert_allclose(opt.trainable_variables[0].detach().numpy(), expected[0],
                               rtol=1e-6)


def test_arguments_as_keras():
    with pytest.raises(ValueError, match="dynamic=False"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), dynamic=False)
    with pytest.raises(ValueError, match="does not support `clipnorm`"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), clipnorm=1.0)
    with pytest.raises(ValueError, match="does not support arguments"):
        optimizers.LossScaleOptimizer(optimizers.SGD(), bogus=1)
    with pytest.raises(TypeError, match="sloi Optimizer"):
        optimizers.LossScaleOptimizer("sgd")
    # default base arguments in old configs are accepted, as Keras does
    optimizers.LossScaleOptimizer(optimizers.SGD(), use_ema=False, clipnorm=None)


def test_config_round_trip_and_keras_layout():
    ours = optimizers.LossScaleOptimizer(optimizers.Adam(0.01), initial_scale=64.0,
                                         dynamic_growth_steps=10)
    theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.Adam(0.01), initial_scale=64.0,
                                                 dynamic_growth_steps=10)
    config = ours.get_config()
    assert list(config) == list(theirs.get_config())
    assert list(config["inner_optimizer"]) == list(theirs.get_config()["inner_optimizer"])
    again = optimizers.deserialize(optimizers.serialize(ours))
    assert isinstance(again, optimizers.LossScaleOptimizer)
    assert again.get_config() == config
    from_keras = optimizers.deserialize(keras.optimizers.serialize(theirs))
    assert isinstance(from_keras.inner_optimizer, optimizers.Adam)
    assert from_keras.initial_scale == 64.0 and from_keras.dynamic_growth_steps == 10


@pytest.mark.filterwarnings("ignore:LossScaleOptimizer.step:UserWarning")  # no loss here
def test_state_round_trip():
    def factory():
        return optimizers.LossScaleOptimizer(optimizers.Adam(0.05), initial_scale=2.0,
                                             dynamic_growth_steps=2)

    assert_state_round_trip(factory)
    opt = factory()
    sloi_weights(opt, *gradient_sequence(3))
    state = opt.state_dict()
    assert state["dynamic_scale"] == 4.0 and state["step_counter"] == 1


def test_mixed_precision_exports():
    assert mixed_precision.LossScaleOptimizer is optimizers.LossScaleOptimizer
    assert mixed_precision.dtype_policy is mixed_precision.global_policy
    try:
        mixed_precision.set_dtype_policy("mixed_bfloat16")
        assert mixed_precision.dtype_policy().name == "mixed_bfloat16"
        assert keras.mixed_precision.set_dtype_policy("mixed_bfloat16") is None
        assert keras.mixed_precision.dtype_policy().name == "mixed_bfloat16"
    finally:
        mixed_precision.set_dtype_policy("float32")
        keras.mixed_precision.set_dtype_policy("float32")


def test_fit_scales_the_loss_and_trains_as_the_inner_optimizer_alone(recwarn):
    import numpy as np

    import sloi

    rng = np.random.default_rng(0)
    x = rng.standard_normal((32, 3)).astype("float32")
    y = rng.standard_normal((32, 1)).astype("float32")

    def model(optimizer):
        m = sloi.Sequential([sloi.Input((3,)), sloi.layers.Dense(4), sloi.layers.Dense(1)])
        m.compile(optimizer=optimizer, loss="mse")
        return m

    scaled = model(sloi.optimizers.LossScaleOptimizer(sloi.optimizers.SGD(0.1),
                                                      initial_scale=2.0 ** 10))
    plain = model(sloi.optimizers.SGD(0.1))
    plain.set_weights(scaled.get_weights())
    for m in (scaled, plain):
        m.fit(x, y, batch_size=8, epochs=2, shuffle=False, verbose=0)
    for a, b in zip(scaled.get_weights(), plain.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)
    assert not [w for w in recwarn if "scale_loss" in str(w.message)]
