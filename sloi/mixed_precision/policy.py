"""Dtype policies: ``set_global_policy("mixed_float16")`` as in Keras.

Keras's mixed policies keep the weights in float32 and compute in float16 or bfloat16. sloi does
the same with PyTorch's autocast: ``fit``, ``evaluate`` and ``predict`` run the model under
``torch.autocast`` with the policy's compute dtype, and with float16 ``fit`` scales the loss
(as Keras's LossScaleOptimizer) so that small gradients survive.
"""

from __future__ import annotations

import torch

_NAMES = ("float32", "float16", "bfloat16", "float64", "mixed_float16", "mixed_bfloat16")


class DTypePolicy:
    """A policy: ``name``, ``compute_dtype`` and ``variable_dtype`` as Keras names them."""

    def __init__(self, name: str = "float32"):
        if isinstance(name, DTypePolicy):
            name = name.name
        if name not in _NAMES:
            raise ValueError(f"Unknown dtype policy {name!r}; expected one of {list(_NAMES)}")
        self.name = name
        self.compute_dtype = name.removeprefix("mixed_")
        self.variable_dtype = "float32" if name.startswith("mixed_") else name

    def __repr__(self):
        return f'<DTypePolicy "{self.name}">'

    def get_config(self) -> dict:
        return {"name": self.name}


Policy = DTypePolicy  # Keras 2's name

_global = DTypePolicy("float32")


def set_global_policy(policy) -> None:
    """Set the policy every later ``fit`` / ``evaluate`` / ``predict`` runs under."""
    global _global
    _global = DTypePolicy("float32" if policy is None else policy)


def global_policy() -> DTypePolicy:
    return _global


def autocast_dtype():
    """The dtype to autocast to under the global policy, or None for a plain policy."""
    if not _global.name.startswith("mixed_"):
        return None
    return torch.float16 if _global.compute_dtype == "float16" else torch.bfloat16
