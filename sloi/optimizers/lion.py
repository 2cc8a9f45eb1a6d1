"""Lion (evolved sign momentum), Keras's formula; torch has no built-in Lion."""

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


class KerasLion(ForeachRule):
    """torch optimizer for Keras's Lion update (see `Lion`)."""

    def __init__(self, params, lr, beta_1, beta_2):
        super().__init__(params, {"lr": lr, "beta_1": beta_1, "beta_2": beta_2})

    def _state_fills(self, group):
        return {"momentum": 0.0}

    def _update(self, group, params, grads, states, steps):
        beta_1, beta_2 = group["beta_1"], group["beta_2"]
        momentums = states["momentum"]
        directions = torch._foreach_mul(momentums, beta_1)
        torch._foreach_add_(directions, grads, alpha=1 - beta_1)
        torch._foreach_sign_(directions)
        torch._foreach_add_(params, directions, alpha=-group["lr"])
        torch._foreach_mul_(momentums, beta_2)
        torch._foreach_add_(momentums, grads, alpha=1 - beta_2)


class Lion(Optimizer):
    """Lion: steps of fixed size along the sign of an interpolated momentum.

    Update: `w -= learning_rate * sign(beta_1 * m + (1 - beta_1) * g)`, then
    `m = beta_2 * m + (1 - beta_2) * g`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: interpolation factor of the step direction, in (0, 1] (default 0.9).
        beta_2: decay of the momentum (default 0.99).
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(self, learning_rate=0.001, beta_1=0.9, beta_2=0.99, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if beta_1 <= 0 or beta_1 > 1:
            raise ValueError(
                "Argument `beta_1` must be in the [0, 1] range. Otherwise, the optimizer "
                f"degenerates to SignSGD. Received: beta_1={beta_1}."
            )
        self.beta_1 = beta_1
        self.beta_2 = beta_2

    def _make_torch_optimizer(self, param_groups, lr):
        return KerasLion(param_groups, lr=lr, beta_1=self.beta_1, beta_2=self.beta_2)

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2})
        return config
