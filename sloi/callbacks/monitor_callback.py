"""``MonitorCallback``: the shared part of callbacks that watch one logged quantity
(``EarlyStopping``, ``ReduceLROnPlateau``): which direction is better, and what counts as an
improvement."""

from __future__ import annotations

import warnings

import numpy as np

from sloi.callbacks.callback import Callback


class MonitorCallback(Callback):
    """Decides whether a new value of ``logs[monitor]`` improves on a reference value.

    Args:
        monitor: the key of the epoch logs to watch, e.g. ``"val_loss"``.
        mode: ``"min"``, ``"max"`` or ``"auto"``. ``"auto"`` follows Keras 3: a loss is
            minimized; a metric goes the way its ``_direction`` says (``"up"`` for accuracy,
            AUC, ...); any other name is refused with an error asking for ``mode``.
        min_delta: the smallest change that counts as an improvement (its sign is ignored).
    """

    def __init__(self, monitor="val_loss", mode="auto", min_delta=0):
        super().__init__()
        if mode not in ("auto", "min", "max"):
            warnings.warn(f"{type(self).__name__} mode '{mode}' is unknown, fallback to auto "
                          "mode.", stacklevel=3)
            mode = "auto"
        self.monitor = monitor
        self.mode = mode
        self.min_delta = abs(min_delta)
        self.best = None
        self.monitor_op = None  # np.less or np.greater, chosen at the first epoch end

    def _set_monitor_op(self) -> None:
        # Chosen late, not in __init__: the model's metrics exist only once training ran a batch.
        if self.mode == "min":
            self.monitor_op = np.less
        elif self.mode == "max":
            self.monitor_op = np.greater
        else:
            name = self.monitor.removeprefix("val_")
            direction = "down" if name == "loss" or name.endswith("_loss") else None
            direction = _metric_direction(self.model, name) or direction
            if direction is None:
                raise ValueError(
                    f"{type(self).__name__} callback received monitor={self.monitor}, but the "
                    "direction of that metric (maximize or minimize) is not known. Pass "
                    "mode='max' to monitor based on the highest value, or mode='min' for the "
                    "lowest.")
            self.monitor_op = np.greater if direction == "up" else np.less
        if self.monitor_op is np.less:
            self.min_delta = -self.min_delta

    def _is_improvement(self, value, reference) -> bool:
        if reference is None:
            return True
        # Keras compares the two as float32 tensors; so do we, so that ties break the same way.
        return bool(self.monitor_op(np.float32(value - self.min_delta), np.float32(reference)))


def _metric_direction(model, name: str):
    """``"up"`` / ``"down"`` from the compiled metric logged as ``name``, or None."""
    trainer = getattr(model, "__dict__", {}).get("_sloi_trainer")
    compiled = getattr(trainer, "metrics", None)
    for entry in getattr(compiled, "entries", ()):
        log_name, metric = entry[0], entry[1]
        if name in (log_name, getattr(metric, "name", None)):
            direction = getattr(metric, "_direction", None)
            if direction is not None:
                return direction
    return None
