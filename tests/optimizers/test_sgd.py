"""sloi.optimizers.SGD against keras.optimizers.SGD on the same weights and gradients."""

import keras
import pytest
import torch

from sloi import optimizers
from tests.optimizers.optimizer_parity import assert_same_steps

CASES = [
    {},
    {"learning_rate": 0.1},
    {"momentum": 0.9},
    {"momentum": 0.5, "learning_rate": 0.2},
    {"momentum": 0.9, "nesterov": True},
    {"momentum": 0.0, "nesterov": True},
]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    assert_same_steps(optimizers.SGD(**kwargs), keras.optimizers.SGD(**kwargs), steps=6)


@pytest.mark.parametrize("nesterov", [False, True])
def test_momentum_under_a_changing_learning_rate_matches_keras(nesterov):
    # Keras scales the velocity by the rate of each step (torch's SGD would rescale the whole
    # buffer): only the Keras form agrees once the rate changes.
    def schedule(schedules):
        return schedules.ExponentialDecay(0.5, decay_steps=1, decay_rate=0.5)

    ours = optimizers.SGD(schedule(optimizers.schedules), momentum=0.9, nesterov=nesterov)
    theirs = keras.optimizers.SGD(schedule(keras.optimizers.schedules), momentum=0.9, nesterov=nesterov)
    assert_same_steps(ours, theirs, steps=5)


def test_momentum_state_is_the_keras_velocity():
    p = torch.nn.Parameter(torch.zeros(3))
    opt = optimizers.SGD(learning_rate=0.1, momentum=0.9)
    opt.build([p])
    p.grad = torch.ones(3)
    opt.step()
    opt.step()
    velocity = opt.torch_optimizer.state[p]["momentum_buffer"]
    # v1 = -0.1, v2 = 0.9 * -0.1 - 0.1 = -0.19; w = v1 + v2
    torch.testing.assert_close(velocity, torch.full((3,), -0.19))
    torch.testing.assert_close(p.detach(), torch.full((3,), -0.29))


@pytest.mark.parametrize("momentum", [-0.1, 1.5])
def test_momentum_out_of_range(momentum):
    with pytest.raises(ValueError, match="momentum"):
        optimizers.SGD(momentum=momentum)


def test_config_matches_keras_keys():
    ours = optimizers.SGD(0.05, momentum=0.9, nesterov=True).get_config()
    theirs = keras.optimizers.SGD(0.05, momentum=0.9, nesterov=True).get_config()
    assert list(ours) == list(theirs)
    assert ours["momentum"] == 0.9 and ours["nesterov"] is True
