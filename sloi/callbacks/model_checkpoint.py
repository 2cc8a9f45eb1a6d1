"""``ModelCheckpoint``: save the model (or its weights) while it trains."""

from __future__ import annotations

import os
import warnings

from sloi.callbacks.monitor_callback import MonitorCallback
from sloi.progbar import print_msg

# sloi's own formats first, then Keras's (a .keras / .h5 checkpoint keeps no optimizer state)
_MODEL_SUFFIXES = (".sloi", ".keras", ".h5")
_WEIGHTS_SUFFIXES = (".weights.safetensors", ".weights.h5")


class ModelCheckpoint(MonitorCallback):
    """Saves the model at the end of every epoch (or every ``save_freq`` batches).

    Every file is written to a temporary file first and renamed into place, so an interrupted
    save never leaves a broken file where a good one stood.

    Args:
        filepath: where to save; may hold ``{epoch}`` (1-based), ``{batch}`` and any logged
            value with a format, e.g. ``"ckpt/model-{epoch:02d}-{val_loss:.2f}.sloi"``. It ends
            in ``.sloi``, ``.keras`` or ``.h5`` (whole model: ``model.save``) or, with
            ``save_weights_only=True``, in ``.weights.safetensors`` or ``.weights.h5``
            (``model.save_weights``).
        monitor: the logged quantity ``save_best_only`` watches. Defaults to ``"val_loss"``.
        verbose: 1 prints Keras's lines: before and after every save, and for every epoch
            that does not improve (to the ``"sloi"`` logger when interactive logging is off).
        save_best_only: save only when ``monitor`` improves on the best value so far.
        save_weights_only: save the weights alone.
        mode: ``"auto"``, ``"min"`` or ``"max"``: which way ``monitor`` improves.
        save_freq: ``"epoch"``, or an integer: save every that many batches.
        initial_value_threshold: with ``save_best_only``, the value to beat first.

    Example:
        >>> checkpoint = ModelCheckpoint("best.sloi", monitor="val_loss", save_best_only=True)
        >>> model.fit(x, y, validation_split=0.2, epochs=10, callbacks=[checkpoint])
    """

    def __init__(self, filepath, monitor="val_loss", verbose=0, save_best_only=False,
                 save_weights_only=False, mode="auto", save_freq="epoch",
                 initial_value_threshold=None):
        super().__init__(monitor, mode)
        self.filepath = os.fspath(filepath)
        self.verbose = verbose
        self.save_best_only = save_best_only
        self.save_weights_only = save_weights_only
        self.save_freq = save_freq
        self.best = initial_value_threshold
        self._batches_since_save = 0
        self._last_batch = None
        self._current_epoch = 0
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq <= 0):
            raise ValueError(f"ModelCheckpoint: save_freq must be 'epoch' or a positive number of "
                             f"batches; got {save_freq!r}")
        suffixes = _WEIGHTS_SUFFIXES if save_weights_only else _MODEL_SUFFIXES
        wrong = save_weights_only is False and self.filepath.endswith(_WEIGHTS_SUFFIXES)
        if wrong or not self.filepath.endswith(suffixes):
            what = "the weights" if save_weights_only else "the whole model"
            raise ValueError(
                f"ModelCheckpoint saves {what}, so filepath must end in one of "
                f'{list(suffixes)}; got "{self.filepath}"'
            )

    def on_epoch_begin(self, epoch, logs=None):
        self._current_epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq == "epoch":
            return
        # Batches restart from 0 each epoch: count them across epochs.
        seen = batch + 1 if self._last_batch is None or batch <= self._last_batch else (
            batch - self._last_batch)
        self._last_batch = batch
        self._batches_since_save += seen
        if self._batches_since_save >= self.save_freq:
            self._batches_since_save = 0
            self._save(self._current_epoch, batch, logs)

    def on_epoch_end(self, epoch, logs=None):
        if self.monitor_op is None:
            self._set_monitor_op()
        if self.save_freq == "epoch":
            self._save(epoch, None, logs)

    def _save(self, epoch, batch, logs) -> None:
        logs = {k: float(v) for k, v in (logs or {}).items() if _is_number(v)}
        filepath = self._file_path(epoch, batch, logs)
        if not self._should_save(epoch, logs, filepath):
            return
        folder = os.path.dirname(filepath)
        if folder:
            os.makedirs(folder, exist_ok=True)
        if self.save_weights_only:
            self.model.save_weights(filepath, overwrite=True)
        else:
            self.model.save(filepath, overwrite=True)
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: finished saving model to {filepath}")

    def _file_path(self, epoch, batch, logs) -> str:
        values = dict(logs)
        values["epoch"] = epoch + 1
        if batch is not None:
            values["batch"] = batch + 1
        try:
            return self.filepath.format(**values)
        except (KeyError, IndexError, ValueError) as e:
            raise KeyError(
                f'ModelCheckpoint cannot fill in the filepath "{self.filepath}": {e!r}; the '
                f"values available are {sorted(values)}"
            ) from e

    def _should_save(self, epoch, logs, filepath) -> bool:
        if not self.save_best_only:
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: saving model to {filepath}")
            return True
        if self.monitor_op is None:
            self._set_monitor_op()
        current = logs.get(self.monitor)
        if current is None:
            warnings.warn(f"Can save best model only with {self.monitor} available; available "
                          f"are {sorted(logs)}", stacklevel=3)
            return True
        # Keras 3 starts from None ("improved from None to ..."); Keras 2 started from inf.
        best = "None" if self.best is None else f"{self.best:.5f}"
        if self._is_improvement(current, self.best):
            if self.verbose > 0:
                print_msg(f"\nEpoch {epoch + 1}: {self.monitor} improved from {best} to "
                          f"{current:.5f}, saving model to {filepath}")
            self.best = current
            return True
        if self.verbose > 0:
            print_msg(f"\nEpoch {epoch + 1}: {self.monitor} did not improve from {best}")
        return False


def _is_number(value) -> bool:
    try:
        float(value)
    except (TypeError, ValueError, RuntimeError):
        return False
    return True
