"""``sloi.mixed_precision``: Keras's dtype policies, run with ``torch.autocast``."""

from sloi.mixed_precision.policy import (
    DTypePolicy,
    Policy,
    autocast_dtype,
    global_policy,
    set_global_policy,
)

__all__ = ["DTypePolicy", "Policy", "autocast_dtype", "global_policy", "set_global_policy"]
