"""The one decoder for layer configs nested in a layer's config.

A wrapper (``Bidirectional``, ``TimeDistributed``, ``SpectralNormalization``, ...) or an RNN
holds other layers, and its config holds theirs as ``{"module", "class_name", "config",
"registered_name"}``, as Keras 3 writes them. ``serialize_layer`` writes one such entry and
``deserialize_layer`` reads it back, finding the class by name only, in this order:

1. the ``custom_objects`` given to ``from_config``;
2. every ``custom_object_scope`` open in this thread;
3. the registry filled by ``@register_keras_serializable``, by registered name
   (``"MyPackage>Scale"``, as Keras writes it; a plain ``"Scale"`` could be anyone's);
4. the catalogue of sloi's own layer classes, which ``Layer`` fills as each is defined.

Nothing is imported or run because a config says so: a name none of these knows is an error
that names it. A layer object where a config is expected is taken as is (the file loaders in
``sloi.saving`` may already have built it).
"""

from __future__ import annotations

import difflib
import inspect

from torch import nn

from sloi.engine import object_registration as registry

_CATALOGUE: dict[str, type] = {}  # class name -> sloi's own Layer subclass


def catalogue(cls: type, name: str | None = None) -> None:
    """Record one of sloi's own layer classes under its class name (``Layer`` calls this for
    every public subclass defined in the ``sloi`` package; user classes are found through
    ``custom_objects`` or registration, as in Keras).

    ``name`` claims a config name outright: the public models of ``sloi.models`` take
    ``"Model"``, ``"Functional"`` and ``"Sequential"`` over the engine's graph bases, which
    carry the same class names but cannot be rebuilt from a config on their own."""
    if name is not None:
        _CATALOGUE[name] = cls
    elif cls.__module__.startswith("sloi.") and not cls.__name__.startswith("_"):
        # The first definition keeps the name: a later class of the same name is a subclass
        # made for one file's use (a model kind, a test double), not the public layer.
        _CATALOGUE.setdefault(cls.__name__, cls)


def find_layer_class(class_name: str, registered_name=None, custom_objects=None):
    """The class a serialized layer names (see the module docstring for the order), or None."""
    found = find_given(class_name, registered_name, custom_objects)
    return found if found is not None else _CATALOGUE.get(class_name)


def find_given(class_name: str, registered_name=None, custom_objects=None):
    """The user's class a config names: what ``custom_objects``, the open scopes (innermost
    first) or the registry hold under the exact names the config writes (steps 1 to 3 of the
    module docstring), or None."""
    names = [n for n in (registered_name, class_name) if isinstance(n, str)]
    for scope in [custom_objects or {}, *reversed(registry.open_scopes())]:
        for name in names:
            if name in scope:
                return scope[name]
    if isinstance(registered_name, str):
        return registry.get_custom_objects().get(registered_name)
    return None


def serialize_layer(layer) -> dict:
    """``layer`` as Keras 3 writes a nested layer: ``"module": "keras.layers"`` and no
    registered name for sloi's own classes, the class's module and registered name otherwise."""
    cls = type(layer)
    if _CATALOGUE.get(cls.__name__) is cls:
        module, registered = "keras.layers", None
    else:
        module, registered = cls.__module__, registry.get_registered_name(cls)
    return {"module": module, "class_name": cls.__name__, "config": layer.get_config(),
            "registered_name": registered}


def deserialize_layer(spec, custom_objects=None, *, owner: str = "layer", key: str = "layer"):
    """The layer a nested config names, built with its class's ``from_config``.

    Args:
        spec: ``{"class_name", "config", ...}`` (``module`` and ``registered_name`` optional),
            or a layer object, returned as is.
        custom_objects: ``{"Name": class}`` for the user's classes (registered ones are found
            without it); handed on to ``from_config`` methods that take it.
        owner: the class whose config holds ``spec``, for messages ("Bidirectional").
        key: the config key that holds ``spec``, for messages ("layer", "cell").

    Raises:
        ValueError: ``spec`` is not a layer config, or names a class that is not sloi's, not
            registered and not in ``custom_objects`` (the message names it).
    """
    if isinstance(spec, nn.Module):  # every sloi layer is one
        return spec
    if not isinstance(spec, dict) or not isinstance(spec.get("class_name"), str):
        raise ValueError(f"{owner}.from_config: `{key}` must be a layer or a layer config "
                         f'{{"class_name": ..., "config": {{...}}}}; got {spec!r:.200}')
    class_name = spec["class_name"]
    cls = find_layer_class(class_name, spec.get("registered_name"), custom_objects)
    if cls is None:
        close = difflib.get_close_matches(class_name, list(_CATALOGUE), n=3, cutoff=0.6)
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f'{owner}.from_config: unknown layer class "{class_name}" in `{key}`. It is not one '
            "of sloi's layers, not registered with @sloi.saving.register_keras_serializable() "
            f"and not in custom_objects.{hint} Pass the class: "
            f"custom_objects={{{class_name!r}: {class_name}}}."
        )
    if not (inspect.isclass(cls) and issubclass(cls, nn.Module)
            and callable(getattr(cls, "from_config", None))):
        raise ValueError(f'{owner}.from_config: `{key}` names "{class_name}", which is '
                         f"{cls!r}, not a sloi layer class")
    config = dict(spec.get("config") or {})
    if "custom_objects" in inspect.signature(cls.from_config).parameters:
        return cls.from_config(config, custom_objects=custom_objects)
    return cls.from_config(config)
