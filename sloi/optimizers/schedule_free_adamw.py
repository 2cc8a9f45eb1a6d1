"""Schedule-Free AdamW (Defazio et al., 2024), Keras's formula: no learning-rate schedule, the
weights interpolate between a fast iterate and a running average of it."""

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


class KerasScheduleFreeAdamW(ForeachRule):
    """torch optimizer for Keras's ScheduleFreeAdamW update (see `ScheduleFreeAdamW`).

    The `momentum` state (the fast iterate `z`) starts as a copy of the weights when the
    optimizer is made, as Keras's `build` does; the weights themselves hold `y`.
    """

    def __init__(self, params, lr, beta_1, beta_2, eps, warmup_steps):
        super().__init__(
            params,
            {
                "lr": lr, "beta_1": beta_1, "beta_2": beta_2, "eps": eps,
                "warmup_steps": warmup_steps,
            },
        )
        for group in self.param_groups:
            for p in group["params"]:
                self.state[p] = {
                    "step": 0,
                    "momentum": p.detach().clone(memory_format=torch.preserve_format),
                    "velocity": torch.zeros_like(p, memory_format=torch.preserve_format),
                }

    def _state_fills(self, group):
        return {"momentum": 0.0, "velocity": 0.0}

    def _update(self, group, params, grads, states, steps):
        beta_1, beta_2 = group["beta_1"], group["beta_2"]
        z, v = states["momentum"], states["velocity"]
        rates = [group["lr"]] * len(steps)
        if group["warmup_steps"] > 0:
            rates = [lr * min(t / group["warmup_steps"], 1.0) for lr, t in zip(rates, steps)]
        torch._foreach_lerp_(v, torch._foreach_mul(grads, grads), 1 - beta_2)
        denominators = torch._foreach_div(v, [1 - beta_2**t for t in steps])
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, group["eps"])
        # x, the average the schedule-free method evaluates, from y and the old z.
        x = torch._foreach_add(params, z, alpha=-(1 - beta_1))
        torch._foreach_div_(x, beta_1)
        steps_taken = torch._foreach_div(grads, denominators)
        torch._foreach_mul_(steps_taken, rates)
        torch._foreach_sub_(z, steps_taken)
        torch._foreach_lerp_(x, z, [1.0 / t for t in steps])
        # y = (1 - beta_1) * z + beta_1 * x
        torch._foreach_copy_(params, torch._foreach_lerp(z, x, beta_1))


class ScheduleFreeAdamW(Optimizer):
    """AdamW without a learning-rate schedule.

    Update at step `t` (`lr` warmed up linearly over `warmup_steps`): the Adam denominator
    `d = sqrt(v / (1 - beta_2**t)) + epsilon`; from the weights `y` and the iterate `z`,
    `x = (y - (1 - beta_1) * z) / beta_1`; then `z -= lr * g / d`,
    `x = (1 - 1/t) * x + (1/t) * z` and the new weights `y = (1 - beta_1) * z + beta_1 * x`.
    Evaluate with the weights as they are (Keras keeps no separate `x`).

    Keras 3.15 on its torch backend reads `z` after its update where the formula wants the old
    `z` (an aliasing of the variable's storage); sloi follows the formula, which is what Keras
    computes on its JAX and TensorFlow backends.

    Args:
        learning_rate: float, schedule or callable (default 0.0025).
        beta_1: the interpolation between `z` and `x` (default 0.9).
        beta_2: decay of the second-moment average (default 0.999).
        epsilon: added to the denominator (default 1e-8).
        warmup_steps: steps of linear learning-rate warmup (default 0).
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(
        self, learning_rate=0.0025, beta_1=0.9, beta_2=0.999, epsilon=1e-8, warmup_steps=0,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.warmup_steps = warmup_steps

    def _make_torch_optimizer(self, param_groups, lr):
        return KerasScheduleFreeAdamW(
            param_groups, lr=lr, beta_1=self.beta_1, beta_2=self.beta_2, eps=self.epsilon,
            warmup_steps=self.warmup_steps,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "warmup_steps": self.warmup_steps,
            }
        )
        return config
