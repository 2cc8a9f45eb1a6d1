"""sloi.optimizers.Lamb against keras.optimizers.Lamb."""

import keras
import numpy as np
import pytest
import torch

from sloi import optimizers
from tests.optimizers.optimizer_parity import (
    assert_config_round_trip,
    assert_same_steps,
    assert_state_round_trip,
)

CASES = [
    {},
    {"learning_rate": 0.1, "beta_1": 0.8, "beta_2": 0.99},
    {"learning_rate": 0.05, "epsilon": 0.1, "weight_decay": 0.1},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    # Keras's bias corrections are float32 (see assert_same_steps): relative tolerance.
    assert_same_steps(optimizers.Lamb(**kwargs), keras.optimizers.Lamb(**kwargs),
                      update_rtol=1e-5)


def test_zero_weight_takes_the_plain_adam_step():
    # ||w|| = 0: the trust ratio is 1, as in Keras.
    p = torch.nn.Parameter(torch.zeros(3))
    opt = optimizers.Lamb(0.1)
    opt.build([p])
    p.grad = torch.tensor([1.0, -2.0, 0.5])
    opt.step()
    variable = keras.Variable(np.zeros(3, "float32"))
    keras.optimizers.Lamb(0.1).apply([keras.ops.convert_to_tensor([1.0, -2.0, 0.5])], [variable])
    np.testing.assert_allclose(p.detach().numpy(), keras.ops.convert_to_numpy(variable),
                               atol=1e-6)


def test_config_and_state():
    kwargs = CASES[1]
    assert_config_round_trip(optimizers.Lamb(**kwargs), keras.optimizers.Lamb(**kwargs))
    assert_state_round_trip(lambda: optimizers.Lamb(**kwargs))
