"""LAMB (You et al., 2019), Keras's formula: Adam steps rescaled per weight by a trust ratio."""

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


class KerasLamb(ForeachRule):
    """torch optimizer for Keras's Lamb update (see `Lamb`)."""

    def __init__(self, params, lr, beta_1, beta_2, epsilon):
        super().__init__(params, {"lr": lr, "beta_1": beta_1, "beta_2": beta_2, "eps": epsilon})

    def _state_fills(self, group):
        return {"momentum": 0.0, "velocity": 0.0}

    def _update(self, group, params, grads, states, steps):
        beta_1, beta_2 = group["beta_1"], group["beta_2"]
        m, v = states["momentum"], states["velocity"]
        torch._foreach_lerp_(m, grads, 1 - beta_1)
        torch._foreach_lerp_(v, torch._foreach_mul(grads, grads), 1 - beta_2)
        m_hat = torch._foreach_div(m, [1 - beta_1**t for t in steps])
        denominators = torch._foreach_div(v, [1 - beta_2**t for t in steps])
        torch._foreach_sqrt_(denominators)
        torch._foreach_add_(denominators, group["eps"])
        updates = torch._foreach_div(m_hat, denominators)
        w_norms = torch._foreach_norm(params)
        u_norms = torch._foreach_norm(updates)
        # Trust ratio ||w|| / ||update||, or 1 where either norm is zero; kept on the device.
        ratios = [
            torch.where((w > 0) & (u > 0), w / u, torch.ones_like(w))
            for w, u in zip(w_norms, u_norms)
        ]
        torch._foreach_mul_(ratios, -group["lr"])
        torch._foreach_addcmul_(params, updates, ratios)


class Lamb(Optimizer):
    """Layer-wise adaptive large-batch optimization.

    Update: Adam's bias-corrected `u = m_hat / (sqrt(v_hat) + epsilon)`, then
    `w -= learning_rate * (||w|| / ||u||) * u` (the ratio is 1 where a norm is zero).

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
        return KerasLamb(
            param_groups, lr=lr, beta_1=self.beta_1, beta_2=self.beta_2, epsilon=self.epsilon
        )

    def get_config(self):
        config = super().get_config()
        config.update({"beta_1": self.beta_1, "beta_2": self.beta_2, "epsilon": self.epsilon})
        return config
