"""sloi.optimizers.Ftrl against keras.optimizers.Ftrl."""

import keras
import pytest

from sloi import optimizers
from tests.optimizers.optimizer_parity import (
    assert_config_round_trip,
    assert_same_steps,
    assert_state_round_trip,
)

CASES = [
    {},
    {"learning_rate": 0.1, "l1_regularization_strength": 0.01},
    {
        "learning_rate": 0.1, "learning_rate_power": -0.7, "initial_accumulator_value": 0.5,
        "l1_regularization_strength": 0.05, "l2_regularization_strength": 0.1,
        "l2_shrinkage_regularization_strength": 0.05, "beta": 0.3,
    },
    {"learning_rate": 0.2, "learning_rate_power": 0.0},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    assert_same_steps(optimizers.Ftrl(**kwargs), keras.optimizers.Ftrl(**kwargs), atol=2e-6)


def test_schedule_matches_keras():
    def make(module):
        return module.Ftrl(module.schedules.ExponentialDecay(0.2, 1, 0.5), beta=0.1)

    assert_same_steps(make(optimizers), make(keras.optimizers), atol=2e-6)


@pytest.mark.parametrize(
    "kwargs, argument",
    [
        ({"initial_accumulator_value": -1.0}, "initial_accumulator_value"),
        ({"learning_rate_power": 0.5}, "learning_rate_power"),
        ({"l1_regularization_strength": -0.1}, "l1_regularization_strength"),
        ({"l2_regularization_strength": -0.1}, "l2_regularization_strength"),
        ({"l2_shrinkage_regularization_strength": -0.1}, "l2_shrinkage_regularization_strength"),
    ],
)
def test_argument_checks(kwargs, argument):
    with pytest.raises(ValueError, match=argument):
        optimizers.Ftrl(**kwargs)
    with pytest.raises(ValueError, match=argument):
        keras.optimizers.Ftrl(**kwargs)


def test_config_and_state():
    kwargs = CASES[2]
    assert_config_round_trip(optimizers.Ftrl(**kwargs), keras.optimizers.Ftrl(**kwargs))
    assert_state_round_trip(lambda: optimizers.Ftrl(**kwargs))
