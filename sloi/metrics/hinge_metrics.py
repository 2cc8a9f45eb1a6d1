"""Hinge metrics: ``Hinge``, ``SquaredHinge`` and ``CategoricalHinge``, with their functions.

Labels may be -1/1 or 0/1: when every label is 0 or 1 they are mapped to -1/1 first (decided on
the device with ``torch.where``, so no value is read back).
"""

import torch

from sloi.metrics.metrics_utils import as_tensor
from sloi.metrics.reduction_metrics import MeanMetricWrapper


def _signed_labels(y_true, y_pred):
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    is_binary = torch.all((y_true == 0) | (y_true == 1))
    return torch.where(is_binary, 2.0 * y_true - 1.0, y_true), y_pred


def hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0))`` over the last axis."""
    y_true, y_pred = _signed_labels(y_true, y_pred)
    return torch.mean(torch.clamp(1.0 - y_true * y_pred, min=0.0), dim=-1)


def squared_hinge(y_true, y_pred):
    """``mean(max(1 - y_true * y_pred, 0)^2)`` over the last axis."""
    y_true, y_pred = _signed_labels(y_true, y_pred)
    return torch.mean(torch.square(torch.clamp(1.0 - y_true * y_pred, min=0.0)), dim=-1)


def categorical_hinge(y_true, y_pred):
    """``max(max((1 - y_true) * y_pred) - sum(y_true * y_pred) + 1, 0)`` over the last axis."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    positive = torch.sum(y_true * y_pred, dim=-1)
    negative = torch.amax((1.0 - y_true) * y_pred, dim=-1)
    return torch.clamp(negative - positive + 1.0, min=0.0)


class _HingeMean(MeanMetricWrapper):
    _direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class Hinge(_HingeMean):
    """Mean hinge loss.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="hinge", dtype=None):
        super().__init__(hinge, name=name, dtype=dtype)


class SquaredHinge(_HingeMean):
    """Mean squared hinge loss.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="squared_hinge", dtype=None):
        super().__init__(squared_hinge, name=name, dtype=dtype)


class CategoricalHinge(_HingeMean):
    """Mean categorical hinge loss.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="categorical_hinge", dtype=None):
        super().__init__(categorical_hinge, name=name, dtype=dtype)
