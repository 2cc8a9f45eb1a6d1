"""``train_on_batch`` / ``test_on_batch``: one step on one batch given whole, with the
results of that batch alone. Called by the ``Trainer``'s methods of the same names."""

from __future__ import annotations

from sloi.engine import tree
from sloi.training import data_adapters
from sloi.training.logs import log_value
from sloi.training.modes import modes
from sloi.training.targets import class_weights_to_sample_weights


def train_on_batch(trainer, x, y=None, sample_weight=None, class_weight=None,
                   return_dict=False):
    """One training step on ``x`` / ``y``; the loss and metrics of this batch."""
    if class_weight is not None:
        sample_weight = class_weights_to_sample_weights(y, class_weight, sample_weight)
    return run(trainer, "train_on_batch", x, y, sample_weight, return_dict)


def run(trainer, what, x, y, sample_weight, return_dict):
    """One step of ``what`` ("train_on_batch" or "test_on_batch"), metrics reset first."""
    trainer._require_compiled(what)
    model = trainer.model
    device = trainer._device()
    xb, yb, swb = tree.map_structure(
        lambda a: None if a is None else data_adapters.to_tensor(a, device),
        (x, y, sample_weight))
    trainer._prepare()
    trainer._reset_metrics()
    training = what == "train_on_batch"
    with modes(model, training):
        (trainer.train_step if training else trainer.test_step)(xb, yb, swb)
    logs = {k: log_value(v) for k, v in trainer._results().items()}
    if return_dict:
        return logs
    values = list(logs.values())
    return values[0] if len(values) == 1 else values
