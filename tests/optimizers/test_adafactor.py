"""sloi.optimizers.Adafactor against keras.optimizers.Adafactor."""

import keras
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
    {"learning_rate": 0.1, "clip_threshold": 0.5},
    {"learning_rate": 0.05, "beta_2_decay": -0.5, "epsilon_2": 0.1, "relative_step": False},
    {"learning_rate": 0.05, "weight_decay": 0.1},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    # SHAPES hold a matrix, a vector and a rank-3 weight: factored on the last two axes.
    assert_same_steps(optimizers.Adafactor(**kwargs), keras.optimizers.Adafactor(**kwargs),
                      steps=6, atol=1e-6)


def test_small_gradients_match_keras():
    assert_same_steps(optimizers.Adafactor(0.01), keras.optimizers.Adafactor(0.01),
                      scale=1e-3, atol=1e-6)


def test_factored_state_shapes():
    opt = optimizers.Adafactor()
    w, b = torch.nn.Parameter(torch.ones(2, 4, 3)), torch.nn.Parameter(torch.ones(3))
    opt.build([w, b])
    w.grad, b.grad = torch.ones(2, 4, 3), torch.ones(3)
    opt.step()
    factored = opt.torch_optimizer.state[w]["factored"]
    assert factored["row"].shape == (2, 4) and factored["col"].shape == (2, 3)
    assert opt.torch_optimizer.state[b]["velocity"].shape == (3,)


def test_config_and_state():
    kwargs = {"learning_rate": 0.1, "beta_2_decay": -0.6, "epsilon_1": 1e-20, "epsilon_2": 1e-2,
              "clip_threshold": 2.0, "relative_step": False}
    assert_config_round_trip(optimizers.Adafactor(**kwargs), keras.optimizers.Adafactor(**kwargs))
    assert_state_round_trip(lambda: optimizers.Adafactor(**kwargs))
