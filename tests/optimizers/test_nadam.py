"""sloi.optimizers.Nadam against keras.optimizers.Nadam on the same weights and gradients."""

import keras
import pytest

from sloi import optimizers
from tests.optimizers.optimizer_parity import assert_same_steps

CASES = [
    {},
    {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99},
    {"epsilon": 0.1, "learning_rate": 0.1},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    ours, theirs = optimizers.Nadam(**kwargs), keras.optimizers.Nadam(**kwargs)
    # Float32 bias corrections in Keras: see assert_same_steps.
    assert_same_steps(ours, theirs, steps=8, update_rtol=1e-5)


def test_torch_nadam_runs_with_the_keras_momentum_schedule():
    import torch

    opt = optimizers.Nadam()
    opt.build([torch.nn.Parameter(torch.zeros(2))])
    assert opt.torch_optimizer.param_groups[0]["momentum_decay"] == 1.0
