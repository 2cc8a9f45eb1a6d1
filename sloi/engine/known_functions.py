"""Functions a layer's config names by qualified name, found again without running code.

A layer that takes a Python function (``Lambda``, ``TextVectorization``'s ``standardize`` /
``split``) stores it in its config by qualified name (``"my_module.square"``), never as code.
``from_config`` looks the name up in ``custom_objects``, then among the plain module-level
functions that were handed to that kind of layer in this process (so cloning a model works). A
config can never name an arbitrary importable function (``os.remove``) and have it called.
"""

from __future__ import annotations

import types
import weakref


def qualified_name(fn) -> str:
    module = getattr(fn, "__module__", None) or "?"
    name = getattr(fn, "__qualname__", None) or getattr(fn, "__name__", None) or repr(fn)
    return f"{module}.{name}"


def to_config(value):
    """A function as its qualified name; anything else as it is."""
    return qualified_name(value) if callable(value) else value


class KnownFunctions:
    """The functions handed to one kind of layer in this process, by qualified name (weakly
    held: a function the program dropped is forgotten)."""

    def __init__(self):
        self._by_name: weakref.WeakValueDictionary = weakref.WeakValueDictionary()

    def remember(self, fn) -> None:
        # only a ``def`` at module level: its qualified name names it, and it alone (not a
        # lambda, not a closure ``f.<locals>.g``)
        if isinstance(fn, types.FunctionType) and "<" not in fn.__qualname__:
            self._by_name[qualified_name(fn)] = fn

    def find(self, qualified: str, custom_objects):
        """The function for ``qualified``: from ``custom_objects`` (by full or short name),
        else one remembered here; None when neither has it."""
        custom_objects = custom_objects or {}
        for candidate in (qualified, qualified.rsplit(".", 1)[-1]):
            if candidate in custom_objects:
                return custom_objects[candidate]
        return self._by_name.get(qualified)
