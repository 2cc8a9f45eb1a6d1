"""Every process stops training at the same batch.

A callback may set ``model.stop_training`` from something only its own process sees (its
share's loss, a local file, the rank). That process would leave the loop while the others
wait in the next collective (DDP's gradient all-reduce) until the timeout. Two callbacks, run
by every process, keep the processes together:

- ``StopAgreement``, last in the list, combines the stop flags of the processes after each
  batch (one all-reduce of one number, on the CPU), so all stop after the batch where any one
  asked. It works only when some callback of some process could stop in a batch hook: one
  written outside ``sloi.callbacks`` (a user's callback, a ``LambdaCallback``'s functions).
  Otherwise a step costs nothing more.
- ``GlobalTerminateOnNaN`` runs a ``TerminateOnNaN`` on the loss of the whole global batch:
  a NaN on one process spreads to every copy of the weights through the averaged gradients,
  so every process must restore its last good weights, at once, and stop (or raise) together.

At the end of an epoch the trainer's barrier combines the stop flags too (``end_of_epoch``).
"""

from __future__ import annotations

from collections import ChainMap

import torch
import torch.distributed as dist

from sloi import callbacks as callbacks_mod
from sloi.distribute import reduce

_BATCH_HOOKS = ("on_train_batch_begin", "on_train_batch_end", "on_batch_begin", "on_batch_end")


def may_stop_per_batch(cb) -> bool:
    """Whether ``cb`` could set ``stop_training`` in a training batch hook: it has one written
    outside ``sloi.callbacks`` or given to a ``LambdaCallback``. sloi's own batch hooks never
    stop training, but ``TerminateOnNaN``'s, which ``GlobalTerminateOnNaN`` makes global."""
    if isinstance(cb, GlobalTerminateOnNaN):
        return False
    for name in _BATCH_HOOKS:
        hook = getattr(type(cb), name)
        if hook is getattr(callbacks_mod.Callback, name):
            continue
        if isinstance(cb, callbacks_mod.LambdaCallback):
            return True
        if not getattr(hook, "__module__", "").startswith("sloi.callbacks."):
            return True
    return False


_flags = None  # the gloo group of the flags under another backend, made at first use


def _flag_group():
    """Where host-side flags are summed: the CPU (gloo). Under NCCL a gloo group of the same
    processes, so that a flag costs no wait for the GPU's queued work (made once, by every
    process at the same point: the first agreement)."""
    global _flags
    if dist.get_backend() == "gloo":
        return None
    if _flags is None:
        _flags = dist.new_group(backend="gloo")
    return _flags


def _all_max(values: list[float]) -> list[float]:
    t = torch.tensor(values, dtype=torch.float64)
    dist.all_reduce(t, op=dist.ReduceOp.MAX, group=_flag_group())
    return t.tolist()


def stop_anywhere(model) -> bool:
    """Sets ``model.stop_training`` on every process when it is set on any one (a
    collective: every process calls it at the same point). Returns the agreed flag."""
    (stop,) = _all_max([float(model.stop_training)])
    if stop:
        model.stop_training = True
    return bool(stop)


class StopAgreement(callbacks_mod.Callback):
    """Last callback of every process: the processes stop after the same batch.

    Args:
        callbacks: the other callbacks of this process.
    """

    def __init__(self, callbacks: list):
        super().__init__()
        self.callbacks = callbacks
        self.active = False

    def on_train_begin(self, logs=None):
        # One collective per fit: whether any process has a callback that could stop in a
        # batch, and whether every process runs the same number of TerminateOnNaN (each of them
        # takes part in a collective at every batch).
        nans = sum(isinstance(cb, GlobalTerminateOnNaN) for cb in self.callbacks)
        may_stop = any(may_stop_per_batch(cb) for cb in self.callbacks)
        any_stop, most, minus_fewest = _all_max([float(may_stop), nans, -nans])
        if most != -minus_fewest:
            raise ValueError(
                "Under distribution every process must give fit the same TerminateOnNaN "
                f"callbacks; this process has {nans}, another {int(most)} or "
                f"{int(-minus_fewest)}")
        self.active = bool(any_stop)

    def on_train_batch_end(self, batch, logs=None):
        if self.active:
            stop_anywhere(self.model)


class GlobalTerminateOnNaN(callbacks_mod.Callback):
    """``TerminateOnNaN`` judging the global running loss (over every process's batches), so
    every process sees the same loss, restores the same good weights and stops (or raises)
    at the same batch. Costs one all-reduce of two numbers a batch.

    Args:
        inner: the ``TerminateOnNaN`` given to fit.
        trainer: the model's ``Trainer`` (its running loss).
    """

    def __init__(self, inner, trainer):
        super().__init__()
        self.inner = inner
        self.trainer = trainer

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.inner.set_params(params)

    def on_train_begin(self, logs=None):
        self.inner.on_train_begin(logs)

    def on_train_batch_end(self, batch, logs=None):
        loss = float(reduce.running_mean_result(self.trainer.loss_tracker))
        # The process's other logs stay as they are (read lazily, only if asked for).
        self.inner.on_train_batch_end(batch, ChainMap({"loss": loss}, logs or {}))
