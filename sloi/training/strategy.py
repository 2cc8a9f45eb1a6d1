"""The strategy a training loop follows: how this process takes part in training.

The default, ``Strategy``, is one process alone: the whole data in batches, the model's own
forward and backward, the process's own results, nothing to wait for. The trainer calls the
strategy at the few points where data-parallel training differs; ``sloi.distribute``'s
``DataParallel`` subclasses ``Strategy`` and overrides them (each process's share of the
data, the model inside ``DistributedDataParallel``, results summed over the processes, ...).

A strategy other than the default is in force while it is *chosen*: ``DataParallel()`` chooses
itself when created (``choose``), as Keras's ``set_distribution`` does.
"""

from __future__ import annotations

import torch
import torch.distributed as dist

from sloi.training import data_adapters


class Strategy:
    """Training in one process: the loops as anyone would write them by hand."""

    #: Whether a training step is the model's own forward and backward with nothing around
    #: it (no wrapper, no collective): the trainer's fastest path requires it.
    single_process = True

    def check_model(self, model) -> None:
        """Raises when ``model`` cannot be trained right under this strategy (one process
        trains every model)."""

    def adapt(self, x, y, sample_weight, batch_size, shuffle, device, steps):
        """The batches ``fit`` / ``evaluate`` walk: all of ``x`` / ``y`` (arguments as
        ``data_adapters.adapt``)."""
        return data_adapters.adapt(x, y, sample_weight, batch_size, shuffle, device, steps)

    def predict_data(self, model, x, batch_size, device, steps):
        """The batches ``predict`` walks: all of ``x``, in order."""
        return data_adapters.adapt(x, None, None, batch_size, False, device, steps)

    def gather_predictions(self, data, flat: list) -> list:
        """Every output's predictions for all of predict's input, given this process's
        (``flat``: one tensor per output) for the batches of ``data``: here, the same."""
        return flat

    def callbacks(self, trainer, callbacks: list) -> list:
        """The callbacks this process runs, of those given to the loop: all of them."""
        return callbacks

    def training_module(self, model, x, previous=None) -> torch.nn.Module:
        """The module a training step runs forward and backward, asked at the first step of
        each loop (``x``: its input batch; ``previous``: what an earlier loop got, to reuse):
        the model itself."""
        return model

    def results(self, trainer) -> dict:
        """The loop's results now, read at the end of an epoch or of ``evaluate``: this
        process's ``trainer.get_metrics_result()``."""
        return trainer.get_metrics_result()

    def end_of_epoch(self, model) -> None:
        """Called by ``fit`` after the callbacks of each epoch's end: nothing to wait for."""

    def end_of_fit(self) -> None:
        """Called by ``fit`` after ``on_train_end``: nothing to wait for."""


DEFAULT = Strategy()

_chosen: Strategy | None = None  # set by choose(): a strategy the user created


def choose(strategy: Strategy) -> None:
    """Makes ``strategy`` the one the loops follow while ``torch.distributed`` runs a group of
    more than one process (``DataParallel`` calls it when created; the one created last
    rules)."""
    global _chosen
    if not isinstance(strategy, Strategy):
        raise TypeError(f"choose() takes a sloi Strategy; got {type(strategy).__name__}")
    _chosen = strategy


def chosen() -> Strategy | None:
    """The strategy ``choose`` was given last, or None."""
    return _chosen


def process_count() -> int:
    """The processes of ``torch.distributed``'s default group (1 when it is not running)."""
    if dist.is_available() and dist.is_initialized():
        return dist.get_world_size()
    return 1


def current(model, training: bool) -> Strategy:
    """The strategy ``model``'s loop follows now: the chosen one while ``torch.distributed``
    runs a group of several processes, else ``DEFAULT`` (one process, nothing shared).

    In a group of several processes without a chosen strategy, evaluating and predicting run
    alone (every process on all the data, which gives the right numbers), but training
    (``training=True``) raises, naming the model: a process that is one of several must never
    train as if alone, silently training its own, diverging model."""
    count = process_count()
    if count <= 1:
        return DEFAULT
    if _chosen is not None:
        return _chosen
    if not training:
        return DEFAULT
    raise RuntimeError(
        f'Model "{model.name}": torch.distributed runs a group of {count} processes, but this '
        "process has no data-parallel strategy, so it would train alone. Create "
        "sloi.distribute.DataParallel() before training (it joins the group that exists)")
