"""Custom objects: the classes and functions a config may name besides sloi's own.

A config names a user's class by a *registered name*, ``"Package>Name"``. Three places can
provide the object behind a name, searched in this order:

1. the ``custom_objects`` dict given to the loading function;
2. every ``custom_object_scope(...)`` open in this thread (innermost first);
3. the global registry filled by ``@register_keras_serializable``.

Only objects the program itself put in one of these places can ever be found: a config can
never make sloi import a module or run code.
"""

from __future__ import annotations

import inspect
import threading

_GLOBAL_CUSTOM_OBJECTS: dict[str, object] = {}  # "Package>Name" -> class or function
_GLOBAL_CUSTOM_NAMES: dict[object, str] = {}  # class or function -> "Package>Name"
_scopes = threading.local()


def register_keras_serializable(package: str = "Custom", name: str | None = None):
    """Decorator: makes a class or function findable by name when a config is loaded.

    Args:
        package: the first part of the registered name, to keep apart objects of the same
            name from different libraries.
        name: the second part; the class's or function's ``__name__`` by default.

    The registered name ``"package>name"`` is written in saved configs and looked up when
    they are loaded. A class must define ``get_config`` (its ``from_config`` rebuilds it).

    Example:
        >>> @sloi.saving.register_keras_serializable(package="MyLayers")
        ... class Scale(sloi.layers.Layer): ...
    """
    if not isinstance(package, str) or ">" in package:
        raise ValueError(
            f"register_keras_serializable: package must be a string without '>'; got "
            f"{package!r}"
        )

    def decorator(obj):
        registered = f"{package}>{name or obj.__name__}"
        if inspect.isclass(obj) and not hasattr(obj, "get_config"):
            raise ValueError(
                f"Cannot register {obj.__name__}: a class registered for serialization must "
                "define get_config()"
            )
        if registered in _GLOBAL_CUSTOM_OBJECTS and _GLOBAL_CUSTOM_OBJECTS[registered] is not obj:
            # Re-running a notebook cell redefines the class: the newest definition wins.
            old = _GLOBAL_CUSTOM_OBJECTS[registered]
            _GLOBAL_CUSTOM_NAMES.pop(old, None)
        _GLOBAL_CUSTOM_OBJECTS[registered] = obj
        _GLOBAL_CUSTOM_NAMES[obj] = registered
        return obj

    return decorator


def get_registered_name(obj) -> str:
    """The name ``obj`` was registered under, or its ``__name__`` when it was not
    registered."""
    try:
        found = _GLOBAL_CUSTOM_NAMES.get(obj)
    except TypeError:  # unhashable objects cannot have been registered
        found = None
    return found if found is not None else getattr(obj, "__name__", type(obj).__name__)


def get_registered_object(name: str, custom_objects: dict | None = None,
                          module_objects: dict | None = None):
    """The object registered or given under ``name``, or None.

    Args:
        name: a registered name (``"Package>Name"``) or a plain name.
        custom_objects: searched first.
        module_objects: searched last (e.g. a module's names).
    """
    if custom_objects and name in custom_objects:
        return custom_objects[name]
    for scope in reversed(_scope_stack()):
        if name in scope:
            return scope[name]
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    if module_objects and name in module_objects:
        return module_objects[name]
    return None


def get_custom_objects() -> dict:
    """The global registry (``"Package>Name"`` -> object); changes to it are seen by loading."""
    return _GLOBAL_CUSTOM_OBJECTS


def all_custom_objects(custom_objects: dict | None = None) -> dict:
    """Every custom object visible now, by plain name and by registered name: the registry,
    then the open scopes, then ``custom_objects`` (later ones win)."""
    merged = {}
    for registered, obj in _GLOBAL_CUSTOM_OBJECTS.items():
        merged[registered] = obj
        merged.setdefault(registered.split(">", 1)[-1], obj)
    for scope in _scope_stack():
        merged.update(scope)
    merged.update(custom_objects or {})
    return merged


def open_scopes() -> list:
    """The ``custom_object_scope`` dicts open in this thread, outermost first."""
    return list(_scope_stack())


def find_registered(name: str):
    """The object registered under ``name`` (``"Package>Name"``), else the one registered under
    a plain ``name`` ("Scale" for "My>Scale"), else None."""
    if name in _GLOBAL_CUSTOM_OBJECTS:
        return _GLOBAL_CUSTOM_OBJECTS[name]
    for registered, obj in _GLOBAL_CUSTOM_OBJECTS.items():
        if registered.split(">", 1)[-1] == name:
            return obj
    return None


def is_registered(obj) -> bool:
    """Whether ``obj`` was registered with ``register_keras_serializable``."""
    try:
        return obj in _GLOBAL_CUSTOM_NAMES
    except TypeError:  # unhashable objects cannot have been registered
        return False


def _scope_stack() -> list:
    stack = getattr(_scopes, "stack", None)
    if stack is None:
        stack = _scopes.stack = []
    return stack


class custom_object_scope:  # noqa: N801 - Keras's name
    """``with custom_object_scope({"Scale": Scale}):`` makes the objects findable by name while
    loading inside the block.

    Args:
        custom_objects: one dict, or several, of names to classes or functions.
    """

    def __init__(self, *custom_objects):
        merged = {}
        for objects in custom_objects:
            if objects is None:
                continue
            if not isinstance(objects, dict):
                raise TypeError(
                    f"custom_object_scope expects dicts of name -> object; got "
                    f"{type(objects).__name__}"
                )
            merged.update(objects)
        self.custom_objects = merged

    def __enter__(self):
        _scope_stack().append(self.custom_objects)
        return self

    def __exit__(self, *exc):
        _scope_stack().pop()
        return False


CustomObjectScope = custom_object_scope
