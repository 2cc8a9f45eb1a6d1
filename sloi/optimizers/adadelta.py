"""Adadelta on torch's Adadelta, whose update is Keras's formula term for term."""

import torch

from sloi.optimizers.base_optimizer import Optimizer


class Adadelta(Optimizer):
    """Adadelta: steps scaled by the ratio of running RMS of updates and of gradients.

    Update: `a = rho * a + (1 - rho) * g**2`,
    `d = -sqrt(u + epsilon) / sqrt(a + epsilon) * g`, `u = rho * u + (1 - rho) * d**2`,
    `w += learning_rate * d`.

    Args:
        learning_rate: float, schedule or callable (default 0.001; the original paper's
            method corresponds to 1.0).
        rho: decay of the running averages (default 0.95).
        epsilon: added inside both square roots (default 1e-7).
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, rho=0.95, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups, lr):
        return torch.optim.Adadelta(
            param_groups, lr=lr, rho=self.rho, eps=self.epsilon, foreach=True
        )

    def get_config(self):
        config = super().get_config()
        config.update({"rho": self.rho, "epsilon": self.epsilon})
        return config
