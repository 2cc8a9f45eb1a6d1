"""The training loops' way to ``sloi.distribute``: imported at first use, since
``sloi.distribute.trainer_hooks`` imports ``sloi.callbacks``, whose import reaches the trainer."""

from __future__ import annotations


def hooks():
    """``sloi.distribute.trainer_hooks``: data-parallel training's side of the loops."""
    from sloi.distribute import trainer_hooks

    return trainer_hooks
