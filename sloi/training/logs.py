"""Batch logs that read values from the device only when a callback looks at them."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import torch


def log_value(value):
    """A metric result as logs hold it: a float, or a numpy array for a metric with one value
    per class (``F1Score(average=None)``), as Keras keeps it."""
    if isinstance(value, torch.Tensor):
        if value.numel() == 1:
            return float(value)
        return value.detach().cpu().numpy()
    return float(value) if np.ndim(value) == 0 else np.asarray(value)


def as_logs(results: Mapping) -> dict:
    """Metric results as logs: ``log_value``s, keys in sorted order as Keras gives them (its
    History, callbacks and progress bar see ``accuracy`` before ``loss``)."""
    return {key: log_value(results[key]) for key in sorted(results)}


class LazyLogs(Mapping):
    """``logs["loss"]`` as a float, computed from the running metrics on first access after
    each step; a step that nobody inspects costs no host sync."""

    def __init__(self, compute):
        self._compute = compute
        self._values = None

    def invalidate(self) -> None:
        self._values = None

    def _materialize(self) -> dict:
        if self._values is None:
            self._values = as_logs(self._compute())
        return self._values

    def __getitem__(self, key):
        return self._materialize()[key]

    def __iter__(self):
        return iter(self._materialize())

    def __len__(self):
        return len(self._materialize())

    def __repr__(self):
        return repr(self._materialize())
