"""sloi.optimizers.ScheduleFreeAdamW against its formula, checked against Keras.

Keras 3.15's torch backend reads the iterate `z` after its update where the formula reads it
before (`momentum.value` aliases the storage that `assign_sub` then changes in place). The
reference below is Keras's update written out, with that one read as a switch: with the
aliased read it reproduces Keras-on-torch, which checks the reference; sloi is compared with
the formula's read (Keras's numbers on its JAX and TensorFlow backends).
"""

import keras
import numpy as np
import pytest

from sloi import optimizers
from tests.optimizers.optimizer_parity import (
    assert_config_round_trip,
    assert_state_round_trip,
    gradient_sequence,
    keras_weights,
    sloi_weights,
)


def _reference(weights, grads, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8,
               warmup_steps=0, weight_decay=None, aliased=False):
    ys = [w.astype("float64") for w in weights]
    zs = [y.copy() for y in ys]
    vs = [np.zeros_like(y) for y in ys]
    for t, step in enumerate(grads, start=1):
        lr = learning_rate * (min(t / warmup_steps, 1.0) if warmup_steps > 0 else 1.0)
        for i, g in enumerate(step):
            if weight_decay:
                ys[i] = ys[i] * (1 - learning_rate * weight_decay)
            vs[i] = vs[i] + (g * g - vs[i]) * (1 - beta_2)
            denominator = np.sqrt(vs[i] / (1 - beta_2**t)) + epsilon
            z_old = zs[i]
            zs[i] = zs[i] - lr * g / denominator
            if aliased:
                z_old = zs[i]
            x = (ys[i] - (1 - beta_1) * z_old) / beta_1
            x = (1 - 1 / t) * x + (1 / t) * zs[i]
            ys[i] = (1 - beta_1) * zs[i] + beta_1 * x
    return ys


CASES = [
    {},
    {"learning_rate": 0.05, "beta_1": 0.8, "beta_2": 0.99},
    {"learning_rate": 0.05, "warmup_steps": 3, "epsilon": 1e-3},
    {"learning_rate": 0.05, "weight_decay": 0.1},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_reference_reproduces_keras_torch(kwargs):
    weights, grads = gradient_sequence(5)
    theirs = keras_weights(keras.optimizers.ScheduleFreeAdamW(**kwargs), weights, grads)
    for a, b in zip(_reference(weights, grads, aliased=True, **kwargs), theirs):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_the_formula(kwargs):
    weights, grads = gradient_sequence(5)
    got = sloi_weights(optimizers.ScheduleFreeAdamW(**kwargs), weights, grads)
    for a, b in zip(got, _reference(weights, grads, **kwargs)):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_first_step_matches_keras():
    # With one step both reads agree (the averaging weight 1/t is 1): Keras itself.
    weights, grads = gradient_sequence(1)
    theirs = keras_weights(keras.optimizers.ScheduleFreeAdamW(0.1), weights, grads)
    got = sloi_weights(optimizers.ScheduleFreeAdamW(0.1), weights, grads)
    for a, b in zip(got, theirs):
        np.testing.assert_allclose(a, b, atol=1e-6)


def test_config_and_state():
    kwargs = {"learning_rate": 0.01, "beta_1": 0.8, "warmup_steps": 2, "epsilon": 1e-6}
    assert_config_round_trip(
        optimizers.ScheduleFreeAdamW(**kwargs), keras.optimizers.ScheduleFreeAdamW(**kwargs)
    )
    assert_state_round_trip(lambda: optimizers.ScheduleFreeAdamW(**kwargs))
