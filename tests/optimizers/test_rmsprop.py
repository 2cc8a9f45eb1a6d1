"""sloi.optimizers.RMSprop against keras.optimizers.RMSprop on the same weights and gradients."""

import keras
import pytest

from sloi import optimizers
from tests.optimizers.optimizer_parity import assert_same_steps

CASES = [
    {},
    {"rho": 0.8, "learning_rate": 0.01},
    {"momentum": 0.9},
    {"centered": True},
    {"centered": True, "momentum": 0.5, "learning_rate": 0.01},
    # Keras adds epsilon inside the square root; a large one makes that visible.
    {"epsilon": 0.5, "learning_rate": 0.1},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    assert_same_steps(optimizers.RMSprop(**kwargs), keras.optimizers.RMSprop(**kwargs), scale=0.3)


def test_momentum_with_a_schedule_matches_keras():
    def schedule(schedules):
        return schedules.InverseTimeDecay(0.1, decay_steps=1, decay_rate=1.0)

    ours = optimizers.RMSprop(schedule(optimizers.schedules), momentum=0.9)
    theirs = keras.optimizers.RMSprop(schedule(keras.optimizers.schedules), momentum=0.9)
    assert_same_steps(ours, theirs)
