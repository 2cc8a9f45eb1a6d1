"""SGD with Keras 3's momentum rule (momentum buffers hold `-learning_rate * gradient` sums)."""

import torch

from sloi.optimizers.base_optimizer import Optimizer
from sloi.optimizers.foreach_rule import ForeachRule


class KerasSGD(ForeachRule):
    """torch optimizer for Keras's SGD update.

    Keras keeps the learning rate inside the velocity: `m = momentum * m - lr * g`, then
    `w += m` (or `w += momentum * m - lr * g` with Nesterov). torch's SGD keeps
    `b = momentum * b + g` and steps `w -= lr * b`: the same while the rate is constant, not
    once a schedule changes it, so the Keras form is written out here.
    """

    def __init__(self, params, lr, momentum=0.0, nesterov=False):
        super().__init__(params, {"lr": lr, "momentum": momentum, "nesterov": nesterov})

    def _state_fills(self, group):
        return {"momentum_buffer": 0.0} if group["momentum"] != 0 else {}

    def _update(self, group, params, grads, states, steps):
        lr, momentum = group["lr"], group["momentum"]
        if momentum == 0:
            torch._foreach_add_(params, grads, alpha=-lr)
            return
        velocities = states["momentum_buffer"]
        torch._foreach_mul_(velocities, momentum)
        torch._foreach_add_(velocities, grads, alpha=-lr)
        if group["nesterov"]:
            torch._foreach_add_(params, grads, alpha=-lr)
            torch._foreach_add_(params, velocities, alpha=momentum)
        else:
            torch._foreach_add_(params, velocities)


class SGD(Optimizer):
    """Gradient descent, with optional (Nesterov) momentum.

    Update: `w -= learning_rate * g`; with momentum, `v = momentum * v - learning_rate * g`
    and `w += v` (Nesterov: `w += momentum * v - learning_rate * g`).

    Args:
        learning_rate: float, schedule or callable (default 0.01).
        momentum: float in [0, 1] (default 0.0).
        nesterov: use Nesterov momentum.
        **kwargs: the base `Optimizer` arguments (weight_decay, clipnorm, clipvalue,
            global_clipnorm, loss_scale_factor, name, ...).
    """

    def __init__(self, learning_rate=0.01, momentum=0.0, nesterov=False, **kwargs):
        super().__init__(learning_rate=learning_rate, **kwargs)
        if isinstance(momentum, bool) or not 0 <= momentum <= 1:
            raise ValueError("`momentum` must be a float between [0, 1].")
        self.momentum = float(momentum)
        self.nesterov = bool(nesterov)

    def _make_torch_optimizer(self, param_groups, lr):
        return KerasSGD(param_groups, lr=lr, momentum=self.momentum, nesterov=self.nesterov)

    def get_config(self):
        config = super().get_config()
        config.update({"momentum": self.momentum, "nesterov": self.nesterov})
        return config
