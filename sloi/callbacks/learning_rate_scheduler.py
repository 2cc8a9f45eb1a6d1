"""``LearningRateScheduler``: set the learning rate at the start of each epoch."""

from __future__ import annotations

import inspect

import numpy as np

from sloi.callbacks.callback import Callback


class LearningRateScheduler(Callback):
    """Calls ``schedule`` at each epoch start and gives the optimizer the rate it returns.

    At each epoch end the rate in use is written into the logs as ``"learning_rate"``.

    Args:
        schedule: ``schedule(epoch, lr) -> new_lr`` with ``epoch`` counted from 0 and ``lr``
            the current rate as a float, or the older form ``schedule(epoch) -> new_lr``.
            It must return a float.
        verbose: 1 prints the rate set at each epoch.

    Example:
        >>> def schedule(epoch, lr):
        ...     return lr if epoch < 10 else lr * math.exp(-0.1)
        >>> model.fit(x, y, epochs=15, callbacks=[LearningRateScheduler(schedule)])
    """

    def __init__(self, schedule, verbose=0):
        super().__init__()
        self.schedule = schedule
        self.verbose = verbose
        self._takes_lr = _takes_two_arguments(schedule)

    def on_epoch_begin(self, epoch, logs=None):
        optimizer = self.model.optimizer
        if not hasattr(optimizer, "learning_rate"):
            raise ValueError('Optimizer must have a "learning_rate" attribute.')
        if self._takes_lr is None:
            # Signature unknown (some builtins): try the new form, fall back as Keras does.
            try:
                lr = self.schedule(epoch, float(optimizer.learning_rate))
            except TypeError:
                lr = self.schedule(epoch)
        elif self._takes_lr:
            lr = self.schedule(epoch, float(optimizer.learning_rate))
        else:
            lr = self.schedule(epoch)
        if not isinstance(lr, (float, np.floating)):
            raise ValueError(f"The output of the `schedule` function should be a float. Got: "
                             f"{lr}")
        optimizer.learning_rate = lr
        if self.verbose > 0:
            print(f"\nEpoch {epoch + 1}: LearningRateScheduler setting learning rate to {lr}.")

    def on_epoch_end(self, epoch, logs=None):
        if logs is not None:
            logs["learning_rate"] = float(self.model.optimizer.learning_rate)


def _takes_two_arguments(fn):
    """True for ``fn(epoch, lr)``, False for ``fn(epoch)``, None if it cannot be told.

    Told from the signature rather than by catching ``TypeError`` (Keras's way), so that a
    ``TypeError`` raised inside the schedule is not mistaken for the old calling form."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return None
    positional = [p for p in params
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return True
    return len(positional) >= 2
