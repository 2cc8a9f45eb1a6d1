"""Adam and AdamW on torch's Adam kernels (fused where torch has them), with Keras's epsilon.

Keras steps `w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)`; torch
steps `w -= lr / (1 - beta_1**t) * m / (sqrt(v) / sqrt(1 - beta_2**t) + eps)`. They are the same
update when `eps = epsilon / sqrt(1 - beta_2**t)`, so that value is written into the param
groups before each step (a host-side float: the step count is a Python int).

Where torch's step would only run its fused kernel (`fused=True`, no AMSGrad, no step hooks,
every parameter's state made by an earlier step), the step calls that kernel itself, on the
same state tensors: torch's `Optimizer.step` around it (hooks, a profiler scope, regrouping
the tensors by device) costs more than the update of a small model (measured, the lecture's
Dense 1000-16-16-1 on one CPU thread: ~190 us a step through torch, ~75 us direct).
"""

import math

import torch
from torch.optim import optimizer as torch_optimizers  # where torch keeps its global hooks

from sloi.optimizers.base_optimizer import Optimizer, fast_kwargs


class Adam(Optimizer):
    """Adam: adaptive moment estimation.

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        beta_1: decay of the first-moment average (default 0.9).
        beta_2: decay of the second-moment average (default 0.999).
        epsilon: added to `sqrt(v)` (Keras's "epsilon hat", default 1e-7).
        amsgrad: use the maximum of past second moments (AMSGrad).
        **kwargs: the base `Optimizer` arguments (weight_decay, clipnorm, clipvalue,
            global_clipnorm, loss_scale_factor, name, ...).
    """

    # torch's decoupled decay `w *= 1 - lr * weight_decay` is Keras's: it runs in the kernel.
    _torch_weight_decay = True

    def __init__(
        self, learning_rate=0.001, beta_1=0.9, beta_2=0.999, epsilon=1e-7, amsgrad=False,
        **kwargs,
    ):
        super().__init__(learning_rate=learning_rate, **kwargs)
        self.beta_1 = beta_1
        self.beta_2 = beta_2
        self.epsilon = epsilon
        self.amsgrad = amsgrad

    def _make_torch_optimizer(self, param_groups, lr):
        params = [p for group in param_groups for p in group["params"]]
        return torch.optim.Adam(
            param_groups, lr=lr, betas=(self.beta_1, self.beta_2), eps=self.epsilon,
            amsgrad=self.amsgrad, decoupled_weight_decay=True,
            **fast_kwargs(torch.optim.Adam, params),
        )

    def _prepare_torch_step(self):
        step = self.update_count + 1
        self._write_param_groups("eps", self.epsilon / math.sqrt(1.0 - self.beta_2**step))

    def _torch_step(self):
        optimizer = self.torch_optimizer
        runs = _fused_runs(optimizer)
        if runs is None:
            optimizer.step()
            return
        for kernel, tensors, group in runs:
            params, grads, averages, squares, steps = tensors
            torch._foreach_add_(steps, 1)  # torch counts the step before its kernel reads it
            kernel(params, grads, averages, squares, [], steps, amsgrad=False, lr=group["lr"],
                   beta1=group["betas"][0], beta2=group["betas"][1],
                   weight_decay=group["weight_decay"], eps=group["eps"], maximize=False,
                   grad_scale=None, found_inf=None)

    def get_config(self):
        config = super().get_config()
        config.update(
            {
                "beta_1": self.beta_1,
                "beta_2": self.beta_2,
                "epsilon": self.epsilon,
                "amsgrad": self.amsgrad,
            }
        )
        return config


def _fused_runs(optimizer):
    """``[(kernel, (params, grads, exp_avgs, exp_avg_sqs, steps), group)]``, one per param
    group with gradients, when ``optimizer.step()`` would run exactly these fused kernels;
    else None (the first step, which creates the state; AMSGrad; hooks; mixed devices)."""
    if _has_hooks(optimizer):
        return None
    runs = []
    for group in optimizer.param_groups:
        # a flag a group lacks (one loaded from another torch) counts as set: torch's step
        if not group.get("fused") or any(group.get(flag, True) for flag in (
                "amsgrad", "maximize", "differentiable")) or isinstance(group["lr"], torch.Tensor):
            return None
        tensors = ([], [], [], [], [])
        first = None
        for p in group["params"]:
            grad = p.grad
            if grad is None:
                continue
            state = optimizer.state.get(p)
            if not state or grad.is_sparse or p.is_complex():
                return None
            if first is None:
                first = p
            elif p.device != first.device or p.dtype != first.dtype:
                return None
            for kept, value in zip(tensors, (p, grad, state["exp_avg"], state["exp_avg_sq"],
                                             state["step"])):
                kept.append(value)
        if first is not None:
            kernel = (torch._fused_adamw_ if group.get("decoupled_weight_decay")
                      else torch._fused_adam_)
            runs.append((kernel, tensors, group))
    return runs


def _has_hooks(optimizer) -> bool:
    """Whether step hooks are registered on ``optimizer`` or on every torch optimizer (or
    torch no longer keeps them where this looks, which counts as yes)."""
    for holder, name in ((optimizer, "_optimizer_step_pre_hooks"),
                         (optimizer, "_optimizer_step_post_hooks"),
                         (torch_optimizers, "_global_optimizer_pre_hooks"),
                         (torch_optimizers, "_global_optimizer_post_hooks")):
        hooks = getattr(holder, name, None)
        if hooks is None or hooks:
            return True
    return False


class AdamW(Adam):
    """Adam with decoupled weight decay (Keras 3: Adam whose `weight_decay` defaults to 0.004).

    Args:
        learning_rate: float, schedule or callable (default 0.001).
        weight_decay: the decay rate; must be a float (default 0.004).
        beta_1, beta_2, epsilon, amsgrad: as in `Adam`.
        **kwargs: the other base `Optimizer` arguments.
    """

    def __init__(
        self, learning_rate=0.001, weight_decay=0.004, beta_1=0.9, beta_2=0.999, epsilon=1e-7,
        amsgrad=False, **kwargs,
    ):
        super().__init__(
            learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon,
            amsgrad=amsgrad, weight_decay=weight_decay, **kwargs,
        )
        if self.weight_decay is None:
            raise ValueError("Argument `weight_decay` must be a float. Received: weight_decay=None")
