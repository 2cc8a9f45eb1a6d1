"""Weight constraints with Keras 3 names and math.

A constraint is called on a weight tensor after each optimizer step and returns the projected
weight (same shape). Norms are taken over `axis`: for a Dense kernel `(in, out)` axis 0 constrains
each unit's incoming weight vector; for a Conv2D kernel `(h, w, in, out)` use `axis=[0, 1, 2]`.
"""


import torch

from sloi.object_lookup import ObjectLookup
from sloi.settings import epsilon as backend_epsilon


def _norms(w, axis):
    dims = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    return torch.sqrt(torch.sum(w * w, dim=dims, keepdim=True))


class Constraint:
    """Base class: `__call__(w)` returns the projected weight (the identity here)."""

    def __call__(self, w):
        return w

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class MaxNorm(Constraint):
    """Rescales each weight vector whose L2 norm along `axis` exceeds `max_value`.

    Computes `w * clip(n, 0, max_value) / (eps + n)`, n the norms.

    Args:
        max_value: largest norm allowed.
        axis: int or list of ints, the axes the norm is taken over.
    """

    def __init__(self, max_value=2, axis=0):
        self.max_value = max_value
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        return w * (torch.clamp(norms, 0, self.max_value) / (backend_epsilon() + norms))

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


class NonNeg(Constraint):
    """Sets negative weights to 0."""

    def __call__(self, w):
        return torch.clamp(w, min=0)


class UnitNorm(Constraint):
    """Rescales each weight vector to L2 norm 1 along `axis`: `w / (eps + n)`.

    Args:
        axis: int or list of ints, the axes the norm is taken over.
    """

    def __init__(self, axis=0):
        self.axis = axis

    def __call__(self, w):
        return w / (backend_epsilon() + _norms(w, self.axis))

    def get_config(self):
        return {"axis": self.axis}


class MinMaxNorm(Constraint):
    """Moves each weight vector's L2 norm along `axis` into `[min_value, max_value]`.

    The new norm is `rate * clip(n, min_value, max_value) + (1 - rate) * n`; `rate=1` enforces
    the bounds at once, smaller rates approach them step by step.

    Args:
        min_value, max_value: bounds of the norm.
        rate: how far to move towards the bounds per call.
        axis: int or list of ints, the axes the norm is taken over.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0):
        self.min_value = min_value
        self.max_value = max_value
        self.rate = rate
        self.axis = axis

    def __call__(self, w):
        norms = _norms(w, self.axis)
        desired = (self.rate * torch.clamp(norms, self.min_value, self.max_value)
                   + (1 - self.rate) * norms)
        return w * (desired / (backend_epsilon() + norms))

    def get_config(self):
        return {
            "min_value": self.min_value,
            "max_value": self.max_value,
            "rate": self.rate,
            "axis": self.axis,
        }


# Keras 3 exports the lower-case names as the classes themselves.
max_norm = MaxNorm
non_neg = NonNeg
unit_norm = UnitNorm
min_max_norm = MinMaxNorm

_BY_NAME = {
    "MaxNorm": MaxNorm, "NonNeg": NonNeg, "UnitNorm": UnitNorm, "MinMaxNorm": MinMaxNorm,
    "max_norm": MaxNorm, "non_neg": NonNeg, "unit_norm": UnitNorm, "min_max_norm": MinMaxNorm,
    # Keras 2 spellings.
    "maxnorm": MaxNorm, "nonneg": NonNeg, "unitnorm": UnitNorm,
}


_OBJECTS = ObjectLookup("constraint", _BY_NAME)


def get(identifier):
    """Returns a constraint for `identifier`.

    Args:
        identifier: None (returned as is), a name ("max_norm", "NonNeg", ...; built with
            defaults), a dict `{"class_name": ..., "config": {...}}`, a Constraint class or
            instance, or any callable `f(w) -> w`.
    """
    return _OBJECTS.get(identifier)


serialize = _OBJECTS.serialize
deserialize = _OBJECTS.deserialize
