"""Training and inference modes around a loop, put back exactly as they were.

``model.train(flag)`` sets every sub-module to ``flag``: restoring a mode that way after
``predict`` would switch on a layer the user had put in inference mode on purpose (a frozen
BatchNormalization inside a model in training mode). These helpers change only the modules
whose mode differs, and restore exactly those. They are also cheaper: a model already in the
wanted mode costs one walk over its modules and no attribute writes.
"""

from __future__ import annotations

import contextlib

from sloi.engine import training_flag
from sloi.engine.module_tools import all_modules


@contextlib.contextmanager
def modes(model, training: bool):
    """Every module of ``model`` in training (``True``) or inference (``False``) mode for the
    block, and the ``training`` flag of the layers' calls (``training_flag``) with it;
    afterwards the modules that were changed get their own mode back."""
    changed = [m for m in all_modules(model) if m.training != training]
    # object.__setattr__: nn.Module.__setattr__ would check the bool against parameters,
    # buffers and modules first (two Python calls a module, each way, every train_on_batch)
    for m in changed:
        _set(m, "training", training)
    try:
        with training_flag.flag(training):
            yield
    finally:
        for m in changed:
            _set(m, "training", not training)


_set = object.__setattr__
