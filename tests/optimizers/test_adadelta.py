"""sloi.optimizers.Adadelta against keras.optimizers.Adadelta on the same weights and gradients."""

import keras
import pytest

from sloi import optimizers
from tests.optimizers.optimizer_parity import assert_same_steps

CASES = [{}, {"learning_rate": 1.0}, {"rho": 0.5, "learning_rate": 1.0, "epsilon": 1e-3}]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    assert_same_steps(optimizers.Adadelta(**kwargs), keras.optimizers.Adadelta(**kwargs))
