"""``ReduceLROnPlateau``: lower the learning rate when the monitored quantity stops improving."""

from __future__ import annotations

import warnings

import numpy as np

from sloi.callbacks.monitor_callback import MonitorCallback


class ReduceLROnPlateau(MonitorCallback):
    """Multiplies the optimizer's learning rate by ``factor`` after ``patience`` epochs
    without improvement of ``monitor``.

    At each epoch end it also writes the current rate into the logs as ``"learning_rate"``
    (before looking at ``monitor``), so ``History`` and ``CSVLogger`` record it.

    Args:
        monitor: the quantity to watch. Defaults to ``"val_loss"``.
        factor: ``new_lr = lr * factor``; must be below 1. Defaults to 0.1.
        patience: epochs without improvement before the rate is lowered. Defaults to 10.
        verbose: 1 prints a line each time the rate is lowered.
        mode: ``"auto"``, ``"min"`` or ``"max"``; see ``MonitorCallback``.
        min_delta: the smallest change that counts as an improvement. Defaults to 1e-4.
        cooldown: epochs after a reduction during which no further reduction happens (and
            epochs without improvement are not counted). Defaults to 0.
        min_lr: the rate never goes below this. Defaults to 0.

    Example:
        >>> reduce_lr = ReduceLROnPlateau(monitor="val_loss", factor=0.2, patience=5,
        ...                               min_lr=0.001)
        >>> model.fit(x, y, validation_split=0.2, callbacks=[reduce_lr])
    """

    def __init__(self, monitor="val_loss", factor=0.1, patience=10, verbose=0, mode="auto",
                 min_delta=1e-4, cooldown=0, min_lr=0.0, **kwargs):
        if "epsilon" in kwargs:  # the Keras 2 name of min_delta
            warnings.warn("`epsilon` is deprecated, use `min_delta` instead.", stacklevel=2)
            min_delta = kwargs.pop("epsilon")
        if kwargs:
            raise TypeError(f"ReduceLROnPlateau got unexpected arguments: {sorted(kwargs)}")
        super().__init__(monitor, mode, min_delta=min_delta)
        if factor >= 1.0:
            raise ValueError("ReduceLROnPlateau does not support a factor >= 1.0. "
                             f"Received factor={factor}")
        self.factor = factor
        self.patience = patience
        self.verbose = verbose
        self.cooldown = cooldown
        self.min_lr = min_lr
        self.cooldown_counter = 0
        self.wait = 0

    def on_train_begin(self, logs=None):
        self.best = None
        self.cooldown_counter = 0
        self.wait = 0

    def in_cooldown(self) -> bool:
        return self.cooldown_counter > 0

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs if logs is not None else {}
        optimizer = self.model.optimizer
        logs["learning_rate"] = float(optimizer.learning_rate)
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Learning rate reduction is conditioned on metric `{self.monitor}` "
                          "which is not available. Available metrics are: "
                          f"{','.join(logs.keys())}.", stacklevel=2)
            return
        if self.in_cooldown():
            self.cooldown_counter -= 1
            self.wait = 0
        if self._is_improvement(current, self.best):
            self.best = current
            self.wait = 0
        elif not self.in_cooldown():
            self.wait += 1
            if self.wait >= self.patience and self._reduce(optimizer, epoch):
                self.cooldown_counter = self.cooldown
                self.wait = 0

    def _reduce(self, optimizer, epoch) -> bool:
        """Lowers the rate unless it already sits at ``min_lr``; says whether it did."""
        old_lr = float(optimizer.learning_rate)
        # Keras keeps the rate as float32 and compares it with min_lr at that precision; so do
        # we, or a rate clamped to min_lr (a float64 here) would look larger than min_lr and be
        # "reduced" again at every plateau, resetting `wait`.
        if np.float32(old_lr) <= np.float32(self.min_lr):
            return False
        new_lr = max(old_lr * self.factor, self.min_lr)
        optimizer.learning_rate = new_lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: ReduceLROnPlateau reducing learning rate to {new_lr}.")
        return True
