"""``LambdaCallback``: a callback made of plain functions, for one-off hooks."""

from __future__ import annotations

from sloi.callbacks.callback import Callback

_HOOKS = frozenset(name for name in vars(Callback) if name.startswith("on_"))
_BATCH_HOOKS = frozenset(name for name in _HOOKS if "batch" in name)
_EPOCH_HOOKS = frozenset({"on_epoch_begin", "on_epoch_end"})


class LambdaCallback(Callback):
    """Builds a callback from functions, called with Keras's arguments:

    - ``on_epoch_begin(epoch, logs)``, ``on_epoch_end(epoch, logs)``;
    - ``on_train_begin(logs)``, ``on_train_end(logs)`` (and the test / predict twins);
    - ``on_train_batch_begin(batch, logs=logs)``, ``on_train_batch_end(batch, logs=logs)``
      (and the test / predict / Keras 2 ``on_batch_*`` twins).

    ``logs`` is ``{}`` where the loop gives none. Hooks left out cost nothing: the training loop
    does not even call them.

    Args:
        on_epoch_begin, on_epoch_end, on_train_begin, on_train_end, on_train_batch_begin,
        on_train_batch_end: the functions, or None.
        **kwargs: any other hook of ``Callback`` by name, e.g. ``on_test_end=fn``.

    Example:
        >>> log = open("loss.jsonl", "w")
        >>> cb = LambdaCallback(
        ...     on_epoch_end=lambda epoch, logs: log.write(json.dumps(logs) + "\\n"),
        ...     on_train_end=lambda logs: log.close())
    """

    def __init__(self, on_epoch_begin=None, on_epoch_end=None, on_train_begin=None,
                 on_train_end=None, on_train_batch_begin=None, on_train_batch_end=None,
                 **kwargs):
        super().__init__()
        given = dict(on_epoch_begin=on_epoch_begin, on_epoch_end=on_epoch_end,
                     on_train_begin=on_train_begin, on_train_end=on_train_end,
                     on_train_batch_begin=on_train_batch_begin,
                     on_train_batch_end=on_train_batch_end, **kwargs)
        unknown = sorted(name for name in given if name not in _HOOKS)
        if unknown:
            raise TypeError(f"LambdaCallback got unknown hooks {unknown}; the hooks are "
                            f"{sorted(_HOOKS)}")
        hooks = {name: _forwarder(name, fn) for name, fn in given.items() if fn is not None}
        # CallbackList calls a hook only on callbacks whose *class* overrides it, so this
        # instance gets a class of its own holding exactly the given hooks.
        self.__class__ = type(type(self).__name__, (type(self),), hooks)


def _forwarder(name: str, fn):
    """A method with the hook's signature that calls ``fn`` the way Keras calls it."""
    if name in _BATCH_HOOKS:
        def hook(self, batch, logs=None):
            return fn(batch, logs={} if logs is None else logs)
    elif name in _EPOCH_HOOKS:
        def hook(self, epoch, logs=None):
            return fn(epoch, {} if logs is None else logs)
    else:
        def hook(self, logs=None):
            return fn({} if logs is None else logs)
    hook.__name__ = name
    return hook
