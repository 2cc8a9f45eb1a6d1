"""sloi.optimizers.Lion against keras.optimizers.Lion on the same weights and gradients."""

import keras
import pytest

from sloi import optimizers
from tests.optimizers.optimizer_parity import assert_same_steps

CASES = [{}, {"learning_rate": 0.01, "beta_1": 0.5, "beta_2": 0.9}, {"beta_1": 1.0}]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    assert_same_steps(optimizers.Lion(**kwargs), keras.optimizers.Lion(**kwargs))


@pytest.mark.parametrize("beta_1", [0.0, 1.5])
def test_beta_1_range(beta_1):
    with pytest.raises(ValueError, match="beta_1"):
        optimizers.Lion(beta_1=beta_1)
