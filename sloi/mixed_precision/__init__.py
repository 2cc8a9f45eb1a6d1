"""``sloi.mixed_precision``: Keras's dtype policies, run with ``torch.autocast``, and
``LossScaleOptimizer``."""

from sloi.mixed_precision.policy import (
    DTypePolicy,
    Policy,
    autocast_dtype,
    global_policy,
    set_global_policy,
)
from sloi.optimizers.loss_scale_optimizer import LossScaleOptimizer

# Keras 3 exports the same two functions under both names.
dtype_policy = global_policy
set_dtype_policy = set_global_policy

__all__ = [
    "DTypePolicy", "LossScaleOptimizer", "Policy", "autocast_dtype", "dtype_policy",
    "global_policy", "set_dtype_policy", "set_global_policy",
]
