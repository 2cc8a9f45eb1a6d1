"""Adam and AdamW on torch's Adam kernels (fused where torch has them), with Keras's epsilon.

Keras steps `w -= lr * sqrt(1 - beta_2**t) / (1 - beta_1**t) * m / (sqrt(v) + epsilon)`; torch
steps `w -= lr / (1 - beta_1**t) * m / (sqrt(v) / sqrt(1 - beta_2**t) + eps)`. They are the same
update when `eps = epsilon / sqrt(1 - beta_2**t)`, so that value is written into the param
groups before each step (a host-side float: the step count is a Python int).
"""

import math

import torch

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
        step = self.iterations + 1
        self._write_param_groups("eps", self.epsilon / math.sqrt(1.0 - self.beta_2**step))

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
