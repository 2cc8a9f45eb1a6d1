"""Nadam on torch's NAdam, which is Keras's formula once `momentum_decay=1`.

Both use the momentum schedule `mu_t = beta_1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))`;
Keras has no `momentum_decay` (it is 1 there; torch's default is 0.004). The bias corrections
and the epsilon placement `sqrt(v_hat) + epsilon` already agree.
"""

import torch

from sloi.optimizers.base_optimizer import Optimizer


class Nadam(Optimizer):
    """Adam with Nesterov momentum.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: decay of the first-moment average (default 0.9).
        beta_2: decay of the second-moment average (default 0.999).
        epsilon: added to `sqrt(v_hat)` (default 1e-7).
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups, lr):
        return torch.optim.NAdam(
            param_groups, lr=lr, betas=(self.beta_1, self.beta_2), eps=self.epsilon,
            momentum_decay=1.0, foreach=True,
        )

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
