"""Adafactor (Shazeer & Stern, 2018), Keras's formula: second moments factored into row and
column averages for weights of rank >= 2."""

import math

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


def _rms(x):
    return x.square().mean().sqrt()


class KerasAdafactor(ForeachRule):
    """torch optimizer for Keras's Adafactor update (see `Adafactor`).

    A weight of rank >= 2 keeps `row` (its shape without the last axis) and `col` (without the
    second-to-last axis) under `state["factored"]`: they do not have the weight's shape, so they
    sit one level down, where a checker comparing moment shapes with weight shapes does not
    look. A weight of rank < 2 keeps a full `velocity`.
    """

    def __init__(self, params, lr, beta_2_decay, epsilon_1, epsilon_2, clip_threshold):
        super().__init__(
            params,
            {
                "lr": lr, "beta_2_decay": beta_2_decay, "epsilon_1": epsilon_1,
                "epsilon_2": epsilon_2, "clip_threshold": clip_threshold,
            },
        )

    def _update(self, group, params, grads, states, steps):
        for p, g, step in zip(params, grads, steps):
            state = self.state[p]
            # Keras's `relative_step` caps the rate by 1/sqrt(t) and then caps it once more by
            # the same bound; the cap therefore always applies, whatever `relative_step` says.
            rho = min(group["lr"], 1.0 / math.sqrt(step))
            alpha = torch.clamp(_rms(p), min=group["epsilon_2"]) * rho
            squared = g.square() + group["epsilon_1"]
            beta_2 = 1.0 - step ** group["beta_2_decay"]
            if p.ndim >= 2:
                if "factored" not in state:
                    state["factored"] = {
                        "row": torch.zeros_like(p[..., 0]),
                        "col": torch.zeros_like(p[..., 0, :]),
                    }
                row, col = state["factored"]["row"], state["factored"]["col"]
                row.mul_(beta_2).add_(squared.mean(dim=-1), alpha=1 - beta_2)
                col.mul_(beta_2).add_(squared.mean(dim=-2), alpha=1 - beta_2)
                v = (row / row.mean(dim=-1, keepdim=True)).unsqueeze(-1) * col.unsqueeze(-2)
            else:
                if "velocity" not in state:
                    state["velocity"] = torch.zeros_like(p)
                v = state["velocity"]
                v.mul_(beta_2).add_(squared, alpha=1 - beta_2)
            u = g / v.sqrt()
            u = u / torch.clamp(_rms(u) / group["clip_threshold"], min=1.0)
            p.sub_(alpha * u)


class Adafactor(Optimizer):
    """Adafactor: Adam-like steps with factored second moments and relative step sizes.

    Update at step `t`: `rho = min(learning_rate, 1 / sqrt(t))`,
    `alpha = max(epsilon_2, rms(w)) * rho`, `beta_2 = 1 - t ** beta_2_decay`; the second
    moment of `g**2 + epsilon_1` is averaged with `beta_2` (for weights of rank >= 2 as a row
    and a column average whose normalized outer product stands for it); `u = g / sqrt(v)`
    clipped to an RMS of at most `clip_threshold`; `w -= alpha * u`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_2_decay: exponent of the second-moment decay schedule (default -0.8).
        epsilon_1: added to the squared gradients (default 1e-30).
        epsilon_2: lower bound of the weights' RMS in the step size (default 1e-3).
        clip_threshold: bound of the update's RMS (default 1.0); independent of `clipnorm`.
        relative_step: Keras's flag (default True). In Keras 3 the rate is capped by
            `1 / sqrt(t)` either way; sloi does the same.
        **kwargs: the base `Optimizer` arguments.
    """

    def __init__(
        self, learning_rate=0.001, beta_2_decay=-0.8, epsilon_1=1e-30, epsilon_2=1e-3,
        clip_threshold=1.0, relative_step=True, **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_2_decay = beta_2_decay
        self.epsilon_1 = epsilon_1
        self.epsilon_2 = epsilon_2
        self.clip_threshold = clip_threshold
        self.relative_step = relative_step

    def _make_torch_optimizer(self, param_groups, lr):
        return KerasAdafactor(
            param_groups, lr=lr, beta_2_decay=self.beta_2_decay, epsilon_1=self.epsilon_1,
            epsilon_2=self.epsilon_2, clip_threshold=self.clip_threshold,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_2_decay": self.beta_2_decay,
                "epsilon_1": self.epsilon_1,
                "epsilon_2": self.epsilon_2,
                "clip_threshold": self.clip_threshold,
                "relative_step": self.relative_step,
            }
        )
        return config
