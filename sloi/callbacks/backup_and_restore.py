"""``BackupAndRestore``: resume an interrupted ``fit`` where it stopped."""

from __future__ import annotations

import os
import warnings

from sloi.callbacks.callback import Callback
from sloi.saving.errors import FileFormatError
from sloi.saving.training_state import load_training_state, save_training_state


class BackupAndRestore(Callback):
    """Backs up the training state (weights, optimizer state, epoch) at the end of every
    epoch; a ``fit`` started again with the same callback after an interruption restores it
    and goes on from the next epoch, ending with the weights an uninterrupted run would have
    (with ``shuffle=False`` or a seeded data order, and no randomness in the model).

    Each backup is one file written to a temporary file and renamed into place, so a crash
    while writing leaves the previous backup intact. A backup without the optimizer's state is
    refused rather than resumed with a fresh optimizer (see ``load_training_state``).

    Args:
        backup_dir: a folder for this run's backup alone.
        save_freq: ``"epoch"``, or an integer: also back up every that many batches (a run
            resumed from such a backup starts that epoch again, from the weights it had then).
        double_checkpoint: keep the previous backup too, used (with a warning) if the latest
            cannot be read for any reason ``FileFormatError`` names.
        delete_checkpoint: delete the backup once ``fit`` completes.

    Example:
        >>> backup = BackupAndRestore("/tmp/run1")
        >>> model.fit(x, y, epochs=10, callbacks=[backup])   # interrupted at epoch 4...
        >>> model.fit(x, y, epochs=10, callbacks=[backup])   # ...runs epochs 5 to 10
    """

    def __init__(self, backup_dir, save_freq="epoch", double_checkpoint=False,
                 delete_checkpoint=True):
        super().__init__()
        if not backup_dir:
            raise ValueError("BackupAndRestore needs a backup_dir; got an empty one")
        if save_freq != "epoch" and (isinstance(save_freq, bool) or not isinstance(
                save_freq, int) or save_freq <= 0):
            raise ValueError(f"BackupAndRestore: save_freq must be 'epoch' or a positive number "
                             f"of batches; got {save_freq!r}")
        self.backup_dir = os.fspath(backup_dir)
        self.save_freq = save_freq
        self.double_checkpoint = double_checkpoint
        self.delete_checkpoint = delete_checkpoint
        self._path = os.path.join(self.backup_dir, "latest.state.sloi")
        self._previous_path = os.path.join(self.backup_dir, "previous.state.sloi")
        self._epoch = 0
        self._batches_since_save = 0

    def on_train_begin(self, logs=None):
        if not self.model.built:
            raise ValueError(
                f'BackupAndRestore needs the model "{self.model.name}" built before fit(): '
                "start it with an Input, or call it on a batch of data first"
            )
        paths = [self._path] + ([self._previous_path] if self.double_checkpoint else [])
        paths = [p for p in paths if os.path.exists(p)]
        for i, path in enumerate(paths):
            try:
                progress = load_training_state(self.model, path)
            except FileFormatError as e:
                if i + 1 < len(paths):  # the latest backup is damaged: use the previous one
                    warnings.warn(f"BackupAndRestore: the latest backup cannot be read, so "
                                  f'training resumes from "{paths[i + 1]}": {e}', stacklevel=2)
                    continue
                raise
            self.model.__dict__["_resume_epoch"] = int(progress["epoch"])
            break

    def on_epoch_begin(self, epoch, logs=None):
        self._epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        if self.save_freq != "epoch":
            self._batches_since_save += 1
            if self._batches_since_save >= self.save_freq:
                self._batches_since_save = 0
                self._backup(self._epoch)  # resuming re-runs this epoch

    def on_epoch_end(self, epoch, logs=None):
        if self.save_freq == "epoch":
            self._backup(epoch + 1)

    def on_train_end(self, logs=None):
        if self.delete_checkpoint:  # reached only when fit completes, not when it raises
            for path in (self._path, self._previous_path):
                if os.path.exists(path):
                    os.remove(path)
            # Keras removes the folder; sloi only when nothing but its own files was there
            if os.path.isdir(self.backup_dir) and not os.listdir(self.backup_dir):
                os.rmdir(self.backup_dir)

    def _backup(self, next_epoch: int) -> None:
        os.makedirs(self.backup_dir, exist_ok=True)
        if self.double_checkpoint and os.path.exists(self._path):
            os.replace(self._path, self._previous_path)
        save_training_state(self.model, self._path, {"epoch": next_epoch})
