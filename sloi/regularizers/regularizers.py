"""Weight regularizers with Keras 3 names and math.

A regularizer is called on a weight tensor and returns a scalar tensor (same dtype and device)
that the training loop adds to the loss.
"""

import math
import numbers

import torch

from sloi.object_lookup import ObjectLookup
from sloi.settings import epsilon as backend_epsilon


def _penalty(value, name, default):
    # Keras reads None as the default and refuses negative, infinite or NaN factors.
    value = default if value is None else value
    if (
        isinstance(value, bool)
        or not isinstance(value, numbers.Real)
        or not math.isfinite(value)
        or value < 0
    ):
        raise ValueError(
            f"Invalid value for argument {name}: expected a non-negative float; "
            f"got {name}={value!r}."
        )
    return float(value)


class Regularizer:
    """Base class: subclasses implement `__call__(x) -> scalar tensor` and `get_config`."""

    def __call__(self, x):
        return x.new_zeros(())

    def get_config(self):
        raise NotImplementedError(f"{type(self).__name__} does not implement get_config().")

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class L1L2(Regularizer):
    """`l1 * sum(|x|) + l2 * sum(x^2)`.

    Args:
        l1, l2: non-negative factors (None reads as 0).
    """

    def __init__(self, l1=0.0, l2=0.0):
        self.l1 = _penalty(l1, "l1", 0.0)
        self.l2 = _penalty(l2, "l2", 0.0)

    def __call__(self, x):
        loss = x.new_zeros(())
        if self.l1:
            loss = loss + self.l1 * x.abs().sum()
        if self.l2:
            loss = loss + self.l2 * x.square().sum()
        return loss

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


class L1(Regularizer):
    """`l1 * sum(|x|)`.

    Args:
        l1: non-negative factor (None reads as 0.01).
    """

    def __init__(self, l1=0.01):
        self.l1 = _penalty(l1, "l1", 0.01)

    def __call__(self, x):
        return self.l1 * x.abs().sum()

    def get_config(self):
        return {"l1": self.l1}


class L2(Regularizer):
    """`l2 * sum(x^2)`.

    Args:
        l2: non-negative factor (None reads as 0.01).
    """

    def __init__(self, l2=0.01):
        self.l2 = _penalty(l2, "l2", 0.01)

    def __call__(self, x):
        return self.l2 * x.square().sum()

    def get_config(self):
        return {"l2": self.l2}


class OrthogonalRegularizer(Regularizer):
    """Pushes the rows (or columns) of a rank-2 weight towards mutual orthogonality.

    Computes `factor * mean over pairs i < j of |<u_i, u_j>|`, the u the L2-normalized rows
    (`mode="rows"`) or columns (`mode="columns"`).

    Args:
        factor: non-negative factor.
        mode: "rows" or "columns".
    """

    def __init__(self, factor=0.01, mode="rows"):
        self.factor = _penalty(factor, "factor", 0.01)
        if mode not in ("rows", "columns"):
            raise ValueError(f"`mode` must be 'rows' or 'columns'; got mode={mode!r}.")
        self.mode = mode

    def __call__(self, x):
        if x.ndim != 2:
            raise ValueError(
                f"OrthogonalRegularizer needs a rank-2 weight; got shape {tuple(x.shape)}."
            )
        if self.mode == "columns":
            x = x.T
        # Keras normalizes with x * min(rsqrt(sum x^2), 1/eps), which keeps zero rows at zero.
        inv_norm = torch.clamp(x.square().sum(dim=1, keepdim=True).rsqrt(),
                               max=1 / backend_epsilon())
        u = x * inv_norm
        gram = u @ u.T
        off_diagonal = gram.abs().sum() - torch.diagonal(gram).abs().sum()
        size = x.shape[0]
        return self.factor * 0.5 * off_diagonal / (size * (size - 1.0) / 2.0)

    def get_config(self):
        return {"factor": self.factor, "mode": self.mode}


# Keras 3 exports the lower-case names as the classes themselves: `l2(0.01)` is `L2(0.01)`.
l1 = L1
l2 = L2
l1_l2 = L1L2
orthogonal_regularizer = OrthogonalRegularizer

_BY_NAME = {
    "L1": L1, "L2": L2, "L1L2": L1L2, "OrthogonalRegularizer": OrthogonalRegularizer,
    "l1": L1, "l2": L2, "orthogonal_regularizer": OrthogonalRegularizer,
    # Keras 3 registers L1L2 as "l1l2" but exports it as `l1_l2`; Keras 2 read "l1_l2".
    "l1_l2": L1L2, "l1l2": L1L2,
}


_OBJECTS = ObjectLookup("regularizer", _BY_NAME)


def get(identifier):
    """Returns a regularizer for `identifier`.

    Args:
        identifier: None (returned as is), a name ("l2", "L1L2", ...; built with defaults),
            a dict `{"class_name": ..., "config": {...}}`, a Regularizer class or instance,
            or any callable `f(x) -> scalar`.
    """
    return _OBJECTS.get(identifier)


serialize = _OBJECTS.serialize
deserialize = _OBJECTS.deserialize
