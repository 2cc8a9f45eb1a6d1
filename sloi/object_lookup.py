"""Name → object lookup shared by the small floor-1 registries (constraints, regularizers):
``get`` / ``serialize`` / ``deserialize`` with Keras's identifiers."""

from __future__ import annotations

import inspect


class ObjectLookup:
    """Keras-style identifiers for one kind of object.

    Args:
        kind: what the objects are, for messages ("constraint").
        by_name: names (snake_case and CamelCase) → classes.
    """

    def __init__(self, kind: str, by_name: dict):
        self.kind = kind
        self.by_name = by_name

    def lookup(self, name: str):
        cls = self.by_name.get(name)
        if cls is None:
            raise ValueError(f"Unknown {self.kind} {name!r}. Known {self.kind}s: "
                             f"{', '.join(sorted(self.by_name))}.")
        return cls

    def get(self, identifier):
        """None as is, a name (built with defaults), a ``{"class_name", "config"}`` dict, a
        class or instance, or any callable."""
        if identifier is None:
            return None
        if isinstance(identifier, str):
            return self.lookup(identifier)()
        if isinstance(identifier, dict):
            return self.deserialize(identifier)
        if inspect.isclass(identifier):
            return identifier()
        if callable(identifier):
            return identifier
        raise ValueError(f"Could not interpret {self.kind} identifier {identifier!r}.")

    @staticmethod
    def serialize(obj):
        """``{"class_name": ..., "config": {...}}`` (None for None; a plain function gives
        ``{"class_name": "function", "config": its name}``)."""
        if obj is None:
            return None
        if hasattr(obj, "get_config"):
            return {"class_name": type(obj).__name__, "config": obj.get_config()}
        return {"class_name": "function", "config": getattr(obj, "__name__", None)}

    def deserialize(self, config, custom_objects=None):
        """Inverse of ``serialize``; ``custom_objects`` maps class or function names to the
        user's own."""
        custom_objects = custom_objects or {}
        if isinstance(config, str):
            return self.get(custom_objects.get(config, config))
        class_name = config.get("class_name")
        inner = config.get("config") or {}
        if class_name == "function" and isinstance(inner, str):
            if inner in custom_objects:
                return custom_objects[inner]
            raise ValueError(f"Unknown {self.kind} function {inner!r}: pass it in "
                             "custom_objects.")
        cls = custom_objects.get(class_name) or self.lookup(class_name)
        return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
