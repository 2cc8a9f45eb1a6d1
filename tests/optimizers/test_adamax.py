"""sloi.optimizers.Adamax against keras.optimizers.Adamax on the same weights and gradients."""

import keras
import pytest

from sloi import optimizers
from tests.optimizers.optimizer_parity import assert_same_steps

CASES = [
    {},
    {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9},
    # Keras adds epsilon after the running maximum (torch: inside it).
    {"epsilon": 0.1, "learning_rate": 0.1},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    assert_same_steps(optimizers.Adamax(**kwargs), keras.optimizers.Adamax(**kwargs), scale=0.1)
