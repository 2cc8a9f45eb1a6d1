"""Adagrad with Keras's formula: `w -= lr * g / sqrt(acc + epsilon)`.

torch's Adagrad divides by `sqrt(acc) + eps` (epsilon outside the root), so the update is
written out here.
"""

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


class KerasAdagrad(ForeachRule):
    """torch optimizer for Keras's Adagrad update (see `Adagrad`)."""

    def __init__(self, params, lr, initial_accumulator_value, epsilon):
        defaults = {
            "lr": lr, "initial_accumulator_value": initial_accumulator_value, "epsilon": epsilon,
        }
        super().__init__(params, defaults)

    def _state_fills(self, group):
        return {"accumulator": group["initial_accumulator_value"]}

    def _update(self, group, params, grads, states, steps):
        accumulators = states["accumulator"]
        torch._foreach_addcmul_(accumulators, grads, grads)
        denominators = torch._foreach_add(accumulators, group["epsilon"])
        torch._foreach_sqrt_(denominators)
        torch._foreach_addcdiv_(params, grads, denominators, value=-group["lr"])


class Adagrad(Optimizer):
    """Adagrad: per-element rates shrinking with the sum of past squared gradients.

    Update: `acc += g**2`, `w -= learning_rate * g / sqrt(acc + epsilon)`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        initial_accumulator_value: starting value of the accumulators (default 0.1).
        epsilon: added inside the square root (default 1e-7).
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(
        self, learning_rate=0.001, initial_accumulator_value=0.1, epsilon=1e-7, **kwargs
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.initial_accumulator_value = initial_accumulator_value
        self.epsilon = epsilon

    def _make_torch_optimizer(self, param_groups, lr):
        return KerasAdagrad(
            param_groups, lr=lr, initial_accumulator_value=self.initial_accumulator_value,
            epsilon=self.epsilon,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {"initial_accumulator_value": self.initial_accumulator_value, "epsilon": self.epsilon}
        )
        return config
