"""FTRL-Proximal (McMahan et al., 2013), Keras's formula."""

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


class KerasFtrl(ForeachRule):
    """torch optimizer for Keras's FTRL update (see `Ftrl`)."""

    def __init__(self, params, lr, learning_rate_power, initial_accumulator_value, l1, l2,
                 l2_shrinkage, beta):
        super().__init__(
            params,
            {
                "lr": lr, "learning_rate_power": learning_rate_power,
                "initial_accumulator_value": initial_accumulator_value, "l1": l1, "l2": l2,
                "l2_shrinkage": l2_shrinkage, "beta": beta,
            },
        )

    def _state_fills(self, group):
        return {"accumulator": group["initial_accumulator_value"], "linear": 0.0}

    def _update(self, group, params, grads, states, steps):
        lr, power = group["lr"], -group["learning_rate_power"]
        l1 = group["l1"]
        l2 = group["l2"] + group["beta"] / (2.0 * lr)
        for p, g, accum, linear in zip(params, grads, states["accumulator"], states["linear"]):
            shrunk = g + 2 * group["l2_shrinkage"] * p
            new_accum = accum + g.square()
            linear.add_(shrunk - (new_accum.pow(power) - accum.pow(power)) / lr * p)
            quadratic = new_accum.pow(power) / lr + 2 * l2
            p.copy_((torch.clamp(linear, -l1, l1) - linear) / quadratic)
            accum.copy_(new_accum)


class Ftrl(Optimizer):
    """Follow The Regularized Leader, with L1, L2 and L2-shrinkage regularization.

    Update, with `p = -learning_rate_power`: `n' = n + g**2`,
    `z += g + 2 * l2_shrinkage * w - (n'**p - n**p) / learning_rate * w`,
    `w = (clip(z, -l1, l1) - z) / (n'**p / learning_rate + 2 * (l2 + beta / (2 * lr)))`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        learning_rate_power: <= 0; how the rate falls as gradients accumulate (default -0.5).
        initial_accumulator_value: >= 0; the accumulators' start (default 0.1).
        l1_regularization_strength: >= 0 (default 0.0).
        l2_regularization_strength: >= 0 (default 0.0).
        l2_shrinkage_regularization_strength: >= 0, a magnitude penalty on the gradient
            (default 0.0).
        beta: added as `beta / (2 * learning_rate)` to the L2 strength (default 0.0).
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(
        self, learning_rate=0.001, learning_rate_power=-0.5, initial_accumulator_value=0.1,
        l1_regularization_strength=0.0, l2_regularization_strength=0.0,
        l2_shrinkage_regularization_strength=0.0, beta=0.0, **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        checks = {
            "initial_accumulator_value": initial_accumulator_value,
            "l1_regularization_strength": l1_regularization_strength,
            "l2_regularization_strength": l2_regularization_strength,
            "l2_shrinkage_regularization_strength": l2_shrinkage_regularization_strength,
        }
        for name, value in checks.items():
            if value < 0.0:
                raise ValueError(
                    f"`{name}` needs to be positive or zero. Received: {name}={value}."
                )
        if learning_rate_power > 0.0:
            raise ValueError(
                "`learning_rate_power` needs to be negative or zero. Received: "
                f"learning_rate_power={learning_rate_power}."
            )
        self.learning_rate_power = learning_rate_power
        self.initial_accumulator_value = initial_accumulator_value
        self.l1_regularization_strength = l1_regularization_strength
        self.l2_regularization_strength = l2_regularization_strength
        self.l2_shrinkage_regularization_strength = l2_shrinkage_regularization_strength
        self.beta = beta

    def _make_torch_optimizer(self, param_groups, lr):
        return KerasFtrl(
            param_groups, lr=lr, learning_rate_power=self.learning_rate_power,
            initial_accumulator_value=self.initial_accumulator_value,
            l1=self.l1_regularization_strength, l2=self.l2_regularization_strength,
            l2_shrinkage=self.l2_shrinkage_regularization_strength, beta=self.beta,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "learning_rate_power": self.learning_rate_power,
                "initial_accumulator_value": self.initial_accumulator_value,
                "l1_regularization_strength": self.l1_regularization_strength,
                "l2_regularization_strength": self.l2_regularization_strength,
                "l2_shrinkage_regularization_strength": (
                    self.l2_shrinkage_regularization_strength
                ),
                "beta": self.beta,
            }
        )
        return config
