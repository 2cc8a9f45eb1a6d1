"""``CallbackList``: calls each hook on the callbacks that define it, and only those (the batch
hooks run every step, so an empty hook costs nothing)."""

from __future__ import annotations

from sloi.callbacks.callback import Callback

_HOOKS = [name for name in vars(Callback) if name.startswith("on_")]
_ALIASES = {"on_train_batch_begin": "on_batch_begin", "on_train_batch_end": "on_batch_end"}


class CallbackList:
    def __init__(self, callbacks=None, model=None, params=None):
        self.callbacks = list(callbacks or [])
        for cb in self.callbacks:
            if not isinstance(cb, Callback):
                raise TypeError(f"callbacks must be sloi.callbacks.Callback objects; got "
                                f"{type(cb).__name__}")
            if model is not None:
                cb.set_model(model)
            cb.set_params(dict(params or {}))
        self._active = self._hooks()

    def _hooks(self) -> dict:
        if not self.callbacks:  # predict() without callbacks: nothing to look up
            return dict.fromkeys(_HOOKS, ())
        return {hook: self._overriding(hook) for hook in _HOOKS}

    def _overriding(self, hook: str) -> list:
        found = []
        for cb in self.callbacks:
            for name in (hook, _ALIASES.get(hook)):
                if name and getattr(type(cb), name) is not getattr(Callback, name):
                    found.append(getattr(cb, name))
        return found

    def append(self, callback) -> None:
        self.callbacks.append(callback)
        self._active = self._hooks()

    def has(self, hook: str) -> bool:
        return bool(self._active[hook])

    def __getattr__(self, hook: str):
        if hook not in _HOOKS:
            raise AttributeError(hook)
        functions = self.__dict__["_active"][hook]

        def dispatch(*args, **kwargs):
            for fn in functions:
                fn(*args, **kwargs)

        return dispatch
