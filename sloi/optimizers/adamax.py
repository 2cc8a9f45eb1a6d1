"""Adamax with Keras's formula: `w -= lr * m / ((1 - beta_1**t) * (u + epsilon))`.

torch's Adamax puts epsilon inside the running maximum (`u = max(beta_2 * u, |g| + eps)`),
which changes `u` itself, so the update is written out here.
"""

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


class KerasAdamax(ForeachRule):
    """torch optimizer for Keras's Adamax update (see `Adamax`)."""

    def __init__(self, params, lr, beta_1, beta_2, epsilon):
        defaults = {"lr": lr, "beta_1": beta_1, "beta_2": beta_2, "epsilon": epsilon}
        super().__init__(params, defaults)

    def _state_fills(self, group):
        return {"momentum": 0.0, "norm": 0.0}

    def _update(self, group, params, grads, states, steps):
        beta_1, beta_2 = group["beta_1"], group["beta_2"]
        momentums, norms = states["momentum"], states["norm"]
        torch._foreach_lerp_(momentums, grads, 1 - beta_1)
        torch._foreach_mul_(norms, beta_2)
        torch._foreach_maximum_(norms, torch._foreach_abs(grads))
        denominators = torch._foreach_add(norms, group["epsilon"])
        step_sizes = [-group["lr"] / (1 - beta_1**t) for t in steps]
        torch._foreach_addcdiv_(params, momentums, denominators, step_sizes)


class Adamax(Optimizer):
    """Adamax: Adam with the infinity norm in place of the second moment.

    Update: `m = beta_1 * m + (1 - beta_1) * g`, `u = max(beta_2 * u, |g|)`,
    `w -= learning_rate * m / ((1 - beta_1**t) * (u + epsilon))`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: decay of the first-moment average (default 0.9).
        beta_2: decay of the infinity norm (default 0.999).
        epsilon: added to the norm (default 1e-7).
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups, lr):
        return KerasAdamax(
            param_groups, lr=lr, beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon
        )

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
