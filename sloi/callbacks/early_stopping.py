"""``EarlyStopping``: stop ``fit`` when the monitored quantity stops improving."""

from __future__ import annotations

import warnings

from sloi.callbacks.monitor_callback import MonitorCallback


class EarlyStopping(MonitorCallback):
    """Stops training once ``monitor`` has not improved for ``patience`` epochs.

    Checked at each epoch end, on the epoch logs (so ``"val_*"`` needs validation data).

    Args:
        monitor: the quantity to watch. Defaults to ``"val_loss"``.
        min_delta: the smallest change that counts as an improvement. Defaults to 0.
        patience: how many epochs without improvement to wait before stopping. Defaults to 0.
        verbose: 1 prints a line when the callback stops training or restores weights.
        mode: ``"auto"``, ``"min"`` or ``"max"``; see ``MonitorCallback``.
        baseline: a value the quantity must beat; epochs that improve on the best so far but
            not on the baseline still count toward ``patience``.
        restore_best_weights: at the end of training (stopped early or not), put back the
            weights of the best epoch. The best weights are kept on the host
            (``model.get_weights()``), copied at each epoch that improves.
        start_from_epoch: epochs to let pass before watching (a warm-up). Defaults to 0.

    Attributes:
        stopped_epoch: the epoch (0-based) at which training was stopped, 0 if it was not.
        best, best_epoch: the best value seen and the epoch that gave it.

    Example:
        >>> stop = EarlyStopping(monitor="loss", patience=3)
        >>> history = model.fit(x, y, epochs=100, callbacks=[stop], verbose=0)
    """

    def __init__(self, monitor="val_loss", min_delta=0, patience=0, verbose=0, mode="auto",
                 baseline=None, restore_best_weights=False, start_from_epoch=0):
        super().__init__(monitor, mode, min_delta=min_delta)
        self.patience = patience
        self.verbose = verbose
        self.baseline = baseline
        self.restore_best_weights = restore_best_weights
        self.start_from_epoch = start_from_epoch
        self.wait = 0
        self.stopped_epoch = 0
        self.best_epoch = 0
        self.best_weights = None

    def on_train_begin(self, logs=None):
        # Reset, so one callback object can serve several fit() calls.
        self.wait = 0
        self.stopped_epoch = 0
        self.best = None
        self.best_epoch = 0
        self.best_weights = None

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        logs = logs or {}
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Early stopping conditioned on metric `{self.monitor}` which is not "
                          f"available. Available metrics are: {','.join(logs.keys())}",
                          stacklevel=2)
            return
        if epoch < self.start_from_epoch:
            return
        if self.restore_best_weights and self.best_weights is None:
            # Nothing kept yet: the weights of the first watched epoch are the best so far,
            # even if that epoch does not beat the baseline.
            self.best_weights = self.model.get_weights()
            self.best_epoch = epoch

        self.wait += 1
        if self._is_improvement(current, self.best):
            self.best = current
            self.best_epoch = epoch
            if self.restore_best_weights:
                self.best_weights = self.model.get_weights()
            # Patience restarts only for a value that beats the baseline as well.
            if self.baseline is None or self._is_improvement(current, self.baseline):
                self.wait = 0
            return
        # Keras never stops at epoch 0, even with patience=0.
        if self.wait >= self.patience and epoch > 0:
            self.stopped_epoch = epoch
            self.model.stop_training = True

    def on_train_end(self, logs=None):
        if self.stopped_epoch > 0 and self.verbose > 0:
            print(f"Epoch {self.stopped_epoch + 1}: early stopping")
        # Restored whether training stopped early or ran all its epochs (as Keras 3 does).
        if self.restore_best_weights and self.best_weights is not None:
            if self.verbose > 0:
                print(f"Restoring model weights from the end of the best epoch: "
                      f"{self.best_epoch + 1}.")
            self.model.set_weights(self.best_weights)
