"""Muon (momentum orthogonalized by Newton-Schulz), Keras's formula: matrices take Muon steps,
every other weight AdamW steps."""

import math
import re

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


def _swap_last_axes(x):
    return x.transpose(-2, -1)


def zeropower_via_newtonschulz5(x, steps, a, b, c):
    """An approximate `U V^T` of `x = U S V^T` by the quintic Newton-Schulz iteration with
    coefficients `(a, b, c)`: `A = X X^T`, `X <- a X + (b A + c A A) X`, `steps` times, on the
    wide orientation of `x` scaled to a spectral norm of at most 1."""
    if x.ndim < 2:
        raise ValueError(
            "Expected gradient or momentum to have at least 2 dimensions. Received: "
            f"shape={tuple(x.shape)}"
        )
    tall = x.shape[-2] > x.shape[-1]
    if tall:
        x = _swap_last_axes(x)
    x = x / (torch.linalg.matrix_norm(x, keepdim=True) + 1e-7)
    for _ in range(steps):
        gram = x @ _swap_last_axes(x)
        x = a * x + (b * gram + c * gram @ gram) @ x
    return _swap_last_axes(x) if tall else x


class KerasMuon(ForeachRule):
    """torch optimizer for Keras's Muon update (see `Muon`). Each param group says whether its
    weights take AdamW steps (`use_adam`) and carries its own `weight_decay`."""

    def __init__(self, params, lr, **hyper):
        super().__init__(params, {"lr": lr, "use_adam": False, "weight_decay": 0.0, **hyper})

    def _state_fills(self, group):
        fills = {"momentum": 0.0}
        if group["use_adam"]:
            fills["velocity"] = 0.0
        return fills

    def _update(self, group, params, grads, states, steps):
        lr, decay = group["lr"], group["weight_decay"]
        if decay:
            # Keras decays with the base rate before the update, also for the AdamW weights.
            torch._foreach_mul_(params, 1.0 - lr * decay)
        if group["use_adam"]:
            self._adamw(group, params, grads, states, steps)
            return
        momentum = group["momentum_decay"]
        for p, g, m in zip(params, grads, states["momentum"]):
            m.mul_(momentum).add_(g)
            direction = g + momentum * m if group["nesterov"] else m
            update = zeropower_via_newtonschulz5(
                direction, group["ns_steps"], group["muon_a"], group["muon_b"], group["muon_c"]
            )
            scale = lr
            if group["rms_rate"] is not None:
                # Moonlight's adjustment: Adam-sized updates at Adam's rate and decay.
                scale *= math.sqrt(max(p.shape[0], p.shape[1])) * group["rms_rate"]
            p.sub_(update, alpha=scale)

    def _adamw(self, group, params, grads, states, steps):
        beta_1, beta_2 = group["adam_beta_1"], group["adam_beta_2"]
        lr = group["lr"] * group["adam_lr_ratio"]
        m, v = states["momentum"], states["velocity"]
        torch._foreach_lerp_(m, grads, 1 - beta_1)
        torch._foreach_lerp_(v, torch._foreach_mul(grads, grads), 1 - beta_2)
        denominators = torch._foreach_sqrt(v)
        torch._foreach_add_(denominators, group["eps"])
        alphas = [-lr * math.sqrt(1 - beta_2**t) / (1 - beta_1**t) for t in steps]
        torch._foreach_addcdiv_(params, m, denominators, alphas)


class Muon(Optimizer):
    """Muon for 2-D weights, AdamW for the rest.

    A weight takes AdamW steps (at `learning_rate * adam_lr_ratio`, decay `adam_weight_decay`)
    when it is not 2-D, when `exclude_embeddings` is set and its name contains "embedding", or
    when one of the `exclude_layers` regular expressions is found in its name. The others take
    Muon steps: `m = momentum * m + g`, the direction `g + momentum * m` (Nesterov) or `m`,
    orthogonalized by `ns_steps` Newton-Schulz iterations, scaled by
    `sqrt(max(rows, cols)) * rms_rate` (unless `rms_rate` is None), times `learning_rate`.
    Weight names come from `build`'s `(name, weight)` pairs or the weights' `path` / `name`.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        adam_beta_1, adam_beta_2: AdamW's moment decays (defaults 0.9, 0.999).
        adam_weight_decay: AdamW weights' decoupled decay (default 0.004).
        epsilon: AdamW's epsilon (default 1e-7).
        weight_decay: Muon weights' decoupled decay (default 0.004).
        exclude_layers: regular expressions of weight names kept on AdamW.
        exclude_embeddings: keep weights named "...embedding..." on AdamW (default True).
        muon_a, muon_b, muon_c: the Newton-Schulz coefficients.
        adam_lr_ratio: AdamW's rate relative to `learning_rate` (default 1).
        momentum: Muon's momentum (default 0.95).
        ns_steps: Newton-Schulz iterations (default 5).
        nesterov: Nesterov momentum (default True).
        rms_rate: the update-size scale (default 0.2; None: no scaling).
        **kwargs: the other base `Optimizer` arguments.
    """

    _torch_weight_decay = True  # two decay rates, chosen per weight in the torch optimizer

    def __init__(
        self, learning_rate=0.001, adam_beta_1=0.9, adam_beta_2=0.999, adam_weight_decay=0.004,
        epsilon=1e-7, weight_decay=0.004, exclude_layers=None, exclude_embeddings=True,
        muon_a=3.4445, muon_b=-4.7750, muon_c=2.0315, adam_lr_ratio=1, momentum=0.95,
        ns_steps=5, nesterov=True, rms_rate=0.2, **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, weight_decay=weight_decay, **kwargs)
        self.adam_beta_1 = adam_beta_1
        self.adam_beta_2 = adam_beta_2
        self.epsilon = epsilon
        self.muon_a = muon_a
        self.muon_b = muon_b
        self.muon_c = muon_c
        self.adam_lr_ratio = adam_lr_ratio
        self.momentum = momentum
        self.ns_steps = ns_steps
        self.nesterov = nesterov
        self.exclude_embeddings = exclude_embeddings
        self.exclude_layers = exclude_layers or []
        self.adam_weight_decay = adam_weight_decay
        self.rms_rate = rms_rate

    def _should_use_adamw(self, variable):
        if variable.ndim != 2:
            return True
        path = self._variable_path(variable) or ""
        if self.exclude_embeddings and "embedding" in path.lower():
            return True
        return any(re.search(keyword, path) for keyword in self.exclude_layers)

    def _make_torch_optimizer(self, param_groups, lr):
        groups = {}
        for p in (p for group in param_groups for p in group["params"]):
            use_adam = self._should_use_adamw(p)
            decay = self.adam_weight_decay if use_adam else self.weight_decay
            if not self._use_weight_decay(self._variable_path(p), p):
                decay = None
            key = (use_adam, float(decay or 0.0))
            groups.setdefault(key, []).append(p)
        return KerasMuon(
            [
                {"params": params, "use_adam": use_adam, "weight_decay": decay}
                for (use_adam, decay), params in groups.items()
            ],
            lr=lr, adam_beta_1=self.adam_beta_1, adam_beta_2=self.adam_beta_2,
            eps=self.epsilon, adam_lr_ratio=self.adam_lr_ratio, momentum_decay=self.momentum,
            nesterov=self.nesterov, ns_steps=self.ns_steps, muon_a=self.muon_a,
            muon_b=self.muon_b, muon_c=self.muon_c, rms_rate=self.rms_rate,
        )

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "adam_beta_1": self.adam_beta_1,
                "adam_beta_2": self.adam_beta_2,
                "epsilon": self.epsilon,
                "exclude_layers": self.exclude_layers,
                "muon_a": self.muon_a,
                "muon_b": self.muon_b,
                "muon_c": self.muon_c,
                "adam_lr_ratio": self.adam_lr_ratio,
                "momentum": self.momentum,
                "ns_steps": self.ns_steps,
                "nesterov": self.nesterov,
                "exclude_embeddings": self.exclude_embeddings,
                "adam_weight_decay": self.adam_weight_decay,
                "rms_rate": self.rms_rate,
            }
        )
        return config
