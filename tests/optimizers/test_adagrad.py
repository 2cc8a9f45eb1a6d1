"""sloi.optimizers.Adagrad against keras.optimizers.Adagrad on the same weights and gradients."""

import keras
import pytest

from sloi import optimizers
from tests.optimizers.optimizer_parity import assert_same_steps

CASES = [
    {},
    {"learning_rate": 0.1, "initial_accumulator_value": 1.0},
    {"initial_accumulator_value": 0.0, "learning_rate": 0.05},
    {"epsilon": 0.5, "learning_rate": 0.1},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    assert_same_steps(optimizers.Adagrad(**kwargs), keras.optimizers.Adagrad(**kwargs), scale=0.3)
