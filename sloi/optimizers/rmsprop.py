"""RMSprop with Keras's formula: epsilon inside the square root, learning rate inside momentum.

torch's RMSprop divides by `sqrt(v) + eps` and scales the momentum buffer by the rate at the
step; Keras divides by `sqrt(v + epsilon)` and accumulates `lr * g / sqrt(...)`, so the update
is written out here.
"""

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


class KerasRMSprop(ForeachRule):
    """torch optimizer for Keras's RMSprop update (see `RMSprop`)."""

    def __init__(self, params, lr, rho, momentum, epsilon, centered):
        defaults = {
            "lr": lr, "rho": rho, "momentum": momentum, "epsilon": epsilon, "centered": centered,
        }
        super().__init__(params, defaults)

    def _state_fills(self, group):
        fills = {"velocity": 0.0}
        if group["momentum"] > 0:
            fills["momentum"] = 0.0
        if group["centered"]:
            fills["average_gradient"] = 0.0
        return fills

    def _update(self, group, params, grads, states, steps):
        lr, rho, eps = group["lr"], group["rho"], group["epsilon"]
        velocities = states["velocity"]
        torch._foreach_mul_(velocities, rho)
        torch._foreach_addcmul_(velocities, grads, grads, value=1 - rho)
        if group["centered"]:
            averages = states["average_gradient"]
            torch._foreach_mul_(averages, rho)
            torch._foreach_add_(averages, grads, alpha=1 - rho)
            denominators = torch._foreach_addcmul(velocities, averages, averages, value=-1)
            torch._foreach_add_(denominators, eps)
        else:
            denominators = torch._foreach_add(velocities, eps)
        torch._foreach_sqrt_(denominators)
        if group["momentum"] > 0:
            momentums = states["momentum"]
            torch._foreach_mul_(momentums, group["momentum"])
            torch._foreach_addcdiv_(momentums, grads, denominators, value=lr)
            torch._foreach_sub_(params, momentums)
        else:
            torch._foreach_addcdiv_(params, grads, denominators, value=-lr)


class RMSprop(Optimizer):
    """RMSprop: steps divided by a running RMS of the gradients.

    Update: `v = rho * v + (1 - rho) * g**2`; centered, also `a = rho * a + (1 - rho) * g` and
    `v - a**2` replaces `v` below; `step = learning_rate * g / sqrt(v + epsilon)`; with
    momentum, `m = momentum * m + step` and `w -= m`, else `w -= step`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        rho: decay of the running averages (default 0.9).
        momentum: momentum factor (default 0.0).
        epsilon: added inside the square root (default 1e-7).
        centered: normalize by the gradients' estimated variance instead of their second moment.
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(
        self, learning_rate=0.001, rho=0.9, momentum=0.0, epsilon=1e-7, centered=False, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.rho = rho
        self.momentum = momentum
        self.epsilon = epsilon
        self.centered = centered

    def _make_torch_optimizer(self, param_groups, lr):
        return KerasRMSprop(
            param_groups, lr=lr, rho=self.rho, momentum=self.momentum, epsilon=self.epsilon,
            centered=self.centered,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "rho": self.rho,
                "momentum": self.momentum,
                "epsilon": self.epsilon,
                "centered": self.centered,
            }
        )
        return config
