"""``deserialize_keras_object``: Keras 3 config dicts back to objects, without running code.

Loading finds a class by its name among sloi's own classes (the ``module`` says which family:
layers, initializers, losses, ...), the objects given in ``custom_objects`` or a
``custom_object_scope``, and those registered with ``@register_keras_serializable``. Nothing is
ever imported, evaluated or unpickled: a name that none of these knows is an error. ``Lambda``
layers hold arbitrary Python functions, so they are refused unless ``safe_mode=False``; even
then their functions come only from ``custom_objects``.
"""

from __future__ import annotations

import difflib
import inspect
import re
import warnings

import numpy as np
import torch

from sloi.engine import Functional, Layer, Model, Sequential
from sloi.engine import object_registration as registry
from sloi.engine.config_decoder import find_given
from sloi.engine.operation import Operation, is_operation
from sloi.layers.core.lambda_layer import Lambda
from sloi.saving import families as fam
from sloi.saving.errors import FileFormatError
from sloi.saving.serialization import SafeModeScope, in_safe_mode

_NESTED_SUFFIXES = ("activation", "initializer", "regularizer", "constraint")
_NUMERIC_DTYPES = {"float16", "float32", "float64", "int8", "int16", "int32", "int64", "uint8",
                   "bool", "bfloat16"}


class DecodingContext:
    """What a load may use: the explicit custom objects, the registry, and the safe mode."""

    def __init__(self, custom_objects=None, safe_mode=None, module_objects=None):
        explicit = {}
        for scope in registry.open_scopes():
            explicit.update(scope)
        explicit.update(custom_objects or {})
        self.explicit = explicit
        self.module_objects = module_objects or {}
        self.safe_mode = in_safe_mode() if safe_mode is None else bool(safe_mode)

    def custom(self, *names):
        """The custom object known under the first of ``names`` that any source knows."""
        names = [n for n in names if isinstance(n, str)]
        for name in names:
            if name in self.explicit:
                return self.explicit[name]
        for name in names:  # by registered name, else by short name ("Scale" for "My>Scale")
            found = registry.find_registered(name)
            if found is not None:
                return found
        for name in names:
            if name in self.module_objects:
                return self.module_objects[name]
        return None

    def all_objects(self) -> dict:
        merged = registry.all_custom_objects(None)
        merged.update(self.module_objects)
        merged.update(self.explicit)
        return merged


def deserialize_keras_object(config, custom_objects=None, safe_mode=True, **kwargs):
    """Rebuild what ``serialize_keras_object`` wrote (or Keras 3 wrote).

    Args:
        config: a dict ``{"module", "class_name", "config", "registered_name"}``, or plain
            values, lists and dicts holding such dicts.
        custom_objects: ``{"Name": class_or_function}`` for classes and functions that are not
            sloi's own (registered ones are found without it).
        safe_mode: True (the default) refuses Lambda layers, which wrap arbitrary Python
            functions. False accepts them with a warning, taking their functions from
            ``custom_objects`` (by function name or by the layer's name): code stored in a
            config is never run.
        module_objects: optional dict of further names to search last.

    Raises:
        ValueError: for a class or function that is neither sloi's, registered nor in
            ``custom_objects`` (naming it and what was expected), and for a refused Lambda.
    """
    ctx = DecodingContext(custom_objects, safe_mode, kwargs.pop("module_objects", None))
    if kwargs:
        raise TypeError(f"deserialize_keras_object() got unexpected arguments {sorted(kwargs)}")
    with registry.custom_object_scope(custom_objects), SafeModeScope(ctx.safe_mode):
        return deserialize(config, ctx)


def deserialize(config, ctx: DecodingContext, family: str | None = None, build: bool = True):
    """The work of ``deserialize_keras_object``; ``family`` says where built-in names are
    looked up first, ``build=False`` leaves layers unbuilt (a model's graph builds them)."""
    if config is None or isinstance(config, (bool, int, float, str)):
        return config
    if isinstance(config, list):
        return [deserialize(c, ctx, family) for c in config]
    if isinstance(config, tuple):
        return tuple(deserialize(c, ctx, family) for c in config)
    if not isinstance(config, dict):
        return config  # an object already (a custom from_config may pass one back)
    if "class_name" not in config:
        return {key: deserialize(value, ctx, family) for key, value in config.items()}
    class_name = config["class_name"]
    if not isinstance(class_name, str):
        raise ValueError(f"A serialized object needs a string class_name; got {class_name!r}")
    inner = config.get("config")
    special = _SPECIAL.get(class_name)
    if special is not None:
        return special(inner, ctx)
    if class_name == "function":
        return _resolve_function(config, ctx, family)
    if is_operation(config):
        return Operation.from_class_name(class_name, inner or {})
    cls, builtin_family = _resolve_class(config, ctx, family)
    if builtin_family is not None and builtin_family != "layers":
        package = next(p for f, _, p, _ in fam.FAMILIES if f == builtin_family)
        return package.deserialize({"class_name": class_name, "config": inner or {}},
                                   custom_objects=ctx.all_objects())
    if inspect.isclass(cls) and issubclass(cls, Layer):
        return _instantiate_layer(cls, config, ctx, builtin_family is not None, build)
    if not inspect.isclass(cls):
        return cls  # a function registered under a class-like name
    return _call_from_config(cls, dict(inner or {}), ctx, class_name)


def _resolve_class(config, ctx: DecodingContext, family):
    """``(class, built-in family or None)`` for a serialized object."""
    class_name = config["class_name"]
    found = find_given(class_name, config.get("registered_name"), ctx.explicit)
    if found is not None:
        return found, None
    hinted = fam.family_of_module(config.get("module")) or family
    families = [hinted] if hinted else [f for f, _, _, _ in fam.FAMILIES]
    for name in families:
        cls = fam.builtin_class(name, class_name)
        if cls is not None:
            return cls, name
    found = ctx.custom(class_name)
    if found is not None:
        return found, None
    names = fam.builtin_names(hinted or "layers")
    close = difflib.get_close_matches(class_name, names, n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    expected = ", ".join(names)
    family_word = {"schedules": "learning rate schedule"}.get(hinted, (hinted or "")[:-1])
    module = f' (module "{config["module"]}")' if config.get("module") else ""
    raise ValueError(
        f'Unknown {family_word + " " if hinted else ""}class "{class_name}"{module}. It is not '
        f"one of sloi's {hinted or 'classes'}, not registered with "
        f"@sloi.saving.register_keras_serializable() and not in custom_objects.{hint} Expected one "
        f"of sloi's {hinted or 'layers'}: {expected}; or pass the class: "
        f"custom_objects={{{class_name!r}: {class_name}}}."
    )


def _resolve_function(config, ctx: DecodingContext, family):
    name = config.get("config")
    if not isinstance(name, str):
        raise ValueError(f"A serialized function needs its name as config; got {name!r}")
    found = ctx.custom(name, name.split(">", 1)[-1])
    if found is not None:
        return found
    hinted = fam.family_of_module(config.get("module")) or family
    families = [hinted] if hinted in fam.FUNCTION_FAMILIES else list(fam.FUNCTION_FAMILIES)
    for family_name in families:
        fn = fam.builtin_function(family_name, name)
        if fn is not None:
            return fn
    raise ValueError(
        f'Unknown function "{name}": it is not a built-in sloi activation, loss or metric, '
        "not registered with @sloi.saving.register_keras_serializable() and not in "
        f"custom_objects. Pass it: custom_objects={{{name.split('>', 1)[-1]!r}: <the "
        "function>}} (loading never runs code stored in a config)."
    )


class RebuildError(ValueError):
    """An object's constructor refused the config it was given (names the object and the
    fields the refusal mentions); a load turns it into a ``FileFormatError``."""


def _call_from_config(cls, inner: dict, ctx: DecodingContext, what: str):
    try:
        if "custom_objects" in inspect.signature(cls.from_config).parameters:
            return cls.from_config(inner, custom_objects=ctx.explicit or None)
        return cls.from_config(inner)
    except (RebuildError, FileFormatError):
        raise  # a nested object's refusal already names it; a load's budget names the file
    except (TypeError, KeyError, AttributeError, IndexError, ValueError, OverflowError) as e:
        fields = _fields_named(inner, str(e))
        where = f" (field {fields})" if fields else ""
        raise RebuildError(f'Cannot rebuild "{what}" ({cls.__name__}) from its config{where}: '
                           f"{type(e).__name__}: {e}") from e


def _fields_named(inner: dict, message: str) -> str:
    """The config fields a constructor's error message names, by key or by text value
    (``units=-1``), so the error says which field of the file is wrong."""
    keys = [k for k in inner if isinstance(k, str) and k != "name"]
    found = [k for k in keys if re.search(rf"(?<![\w.]){re.escape(k)}(?!\w)", message)
             or (isinstance(inner[k], str) and inner[k] and repr(inner[k]) in message)]
    if not found:  # "Could not interpret initializer identifier 3."
        found = [k for k in keys if isinstance(inner[k], (int, float))
                 and not isinstance(inner[k], bool)
                 and re.search(rf"(?<![\w.-]){re.escape(repr(inner[k]))}(?![\w]|\.\d)",
                               message)]
    return ", ".join(f"{k}={inner[k]!r:.60}" for k in found[:3])


def _instantiate_layer(cls, config, ctx: DecodingContext, builtin: bool, build: bool):
    inner = dict(config.get("config") or {})
    name = inner.get("name", config.get("class_name"))
    if issubclass(cls, Lambda):
        layer = _lambda_from_config(cls, inner, ctx)
    else:
        # A model's own layers are built by its from_config, through this same module.
        _resolve_nested(inner, ctx, builtin and not issubclass(cls, (Functional, Sequential)))
        if issubclass(cls, Sequential):
            inner.pop("dtype", None)  # Keras writes one for Sequential models; sloi takes none
        layer = _call_from_config(cls, inner, ctx, name)
    if not isinstance(layer, Layer):
        raise ValueError(f'The config of "{name}" gave a {type(layer).__name__}, not a layer')
    if build and not layer.built and isinstance(config.get("build_config"), dict):
        _apply_build_config(layer, config["build_config"])
    return layer


def _resolve_nested(inner: dict, ctx: DecodingContext, builtin: bool) -> None:
    """Turn the custom objects a layer's config names into objects, in place.

    sloi's ``activations.get`` and friends know only sloi's own names, so a custom activation,
    initializer, regularizer or constraint is resolved here, where the registry and
    ``custom_objects`` are known. Layers nested in a built-in layer's config (a wrapper's
    ``layer``, an RNN's ``cell``) are built by its ``from_config`` through the engine's
    decoder; only those that hold such a custom function somewhere inside are built here.
    """
    for key, value in list(inner.items()):
        if key.endswith(_NESTED_SUFFIXES):
            if isinstance(value, str) and ctx.custom(value) is not None:
                inner[key] = ctx.custom(value)
            elif isinstance(value, dict) and "class_name" in value and _is_custom(value, ctx):
                inner[key] = deserialize(value, ctx)
        elif builtin and _is_layer_config(value) and _holds_custom_function(value, ctx):
            inner[key] = deserialize(value, ctx, "layers")
        elif builtin and isinstance(value, list) and any(
                _is_layer_config(v) and _holds_custom_function(v, ctx) for v in value):
            inner[key] = [deserialize(v, ctx, "layers") if _is_layer_config(v) else v
                          for v in value]


def _is_layer_config(value) -> bool:
    if not isinstance(value, dict) or not isinstance(value.get("class_name"), str):
        return False
    return fam.family_of_module(value.get("module")) in (None, "layers")


def _holds_custom_function(value, ctx: DecodingContext) -> bool:
    """Whether a nested config names, at any depth, a custom activation, initializer,
    regularizer or constraint (which ``from_config`` of a built-in layer could not find)."""
    if isinstance(value, list):
        return any(_holds_custom_function(v, ctx) for v in value)
    if not isinstance(value, dict):
        return False
    inner = value.get("config") if "class_name" in value else value
    if not isinstance(inner, dict):
        return False
    for key, item in inner.items():
        if key.endswith(_NESTED_SUFFIXES):
            if isinstance(item, str) and ctx.custom(item) is not None:
                return True
            if isinstance(item, dict) and "class_name" in item and _is_custom(item, ctx):
                return True
        elif isinstance(item, (dict, list)) and _holds_custom_function(item, ctx):
            return True
    return False


def _is_custom(config: dict, ctx: DecodingContext) -> bool:
    if config.get("class_name") == "function":
        name = config.get("config")
        return isinstance(name, str) and ctx.custom(name, name.split(">", 1)[-1]) is not None
    try:
        return _resolve_class(config, ctx, None)[1] is None
    except ValueError:
        return False


def _apply_build_config(layer, build_config: dict) -> None:
    shape = build_config.get("input_shape")
    if shape is None:
        return
    shape = as_shape(shape)
    if isinstance(layer, Model) and not isinstance(layer, Functional):
        # A subclassed model creates its weights in call(): run it once on zeros.
        if all(isinstance(d, (int, type(None))) for d in shape):
            with torch.no_grad():
                layer(torch.zeros([1 if d is None else d for d in shape]))
        return
    layer.build_from_config({"input_shape": shape})


def as_shape(value):
    """JSON lists back to tuples: ``[None, 4]`` -> ``(None, 4)``; lists of shapes stay lists."""
    if isinstance(value, (list, tuple)) and all(d is None or isinstance(d, int) for d in value):
        return tuple(value)
    if isinstance(value, (list, tuple)):
        return [as_shape(v) for v in value]
    return value


# ---------------------------------------------------------------------------- Lambda
def _lambda_from_config(cls, inner: dict, ctx: DecodingContext):
    """A Lambda whose functions the file names (``"double"``) loads in safe mode, as in Keras:
    each is taken from ``custom_objects`` (or the registered functions). One whose function
    the file stores as code (a Python lambda) needs ``safe_mode=False``, as in Keras, and even
    then the code is never run: the function comes from ``custom_objects``."""
    name = inner.get("name", "lambda")
    stored_code = any(_is_stored_code(inner.get(key)) for key in ("function", "output_shape",
                                                                   "mask"))
    if stored_code and ctx.safe_mode:
        raise ValueError(
            f'Refusing to load the Lambda layer "{name}": its function is a Python lambda '
            "stored as code, and loading is in safe mode (safe_mode=True, the default). If you "
            "trust this file, load it with safe_mode=False and pass the function(s) in "
            f"custom_objects, e.g. custom_objects={{{_short_name(inner.get('function'), name)!r}"
            ": <the function>}}. Code stored in a file is never run."
        )
    if stored_code:
        warnings.warn(
            f'Loading the Lambda layer "{name}" with safe_mode=False: its function is taken '
            "from custom_objects (code stored in the file is never run).", stacklevel=4)
    for key in ("function", "output_shape", "mask"):
        value = inner.get(key)
        if key != "function" and (value is None or _is_shape_spec(value)):
            continue
        inner[key] = _lambda_function(value, key, name, ctx)
    if isinstance(inner.get("arguments"), dict):
        inner["arguments"] = deserialize(inner["arguments"], ctx)
    return _call_from_config(cls, inner, ctx, name)


def _is_stored_code(spec) -> bool:
    return isinstance(spec, dict) and spec.get("class_name") == "__lambda__"


def _is_shape_spec(value) -> bool:
    if isinstance(value, (list, tuple)):
        return all(d is None or isinstance(d, int) or _is_shape_spec(d) for d in value)
    return False


def _short_name(spec, layer_name) -> str:
    if isinstance(spec, dict) and spec.get("class_name") == "function":
        spec = spec.get("config")
    if isinstance(spec, str) and "<" not in spec:
        return spec.rsplit(".", 1)[-1].split(">", 1)[-1]
    return layer_name


def _lambda_function(spec, key: str, layer_name: str, ctx: DecodingContext):
    names = []
    if isinstance(spec, str):
        names = [spec, spec.rsplit(".", 1)[-1]]
    elif isinstance(spec, dict) and spec.get("class_name") == "function":
        inner = spec.get("config")
        if isinstance(inner, str):
            names = [inner, inner.split(">", 1)[-1]]
    names.append(layer_name)  # a lambda has no name: it may be given by the layer's name
    found = ctx.custom(*names)
    if callable(found):
        return found
    raise ValueError(
        f'Lambda layer "{layer_name}": its {key} ({_describe_spec(spec)}) is not in '
        f"custom_objects. Pass it: custom_objects={{{_short_name(spec, layer_name)!r}: <the "
        "function>}}. Code stored in a file is never run."
    )


def _describe_spec(spec) -> str:
    if isinstance(spec, dict) and spec.get("class_name") == "__lambda__":
        return "a Python lambda stored as code"
    if isinstance(spec, dict):
        return f'"{spec.get("config")}"'
    return f'"{spec}"'


# ---------------------------------------------------------------------------- special values
def _tuple(inner, ctx):
    return tuple(deserialize(_field(inner, "value", "__tuple__"), ctx))


def _array(inner, ctx, as_tensor: bool):
    value, dtype = _field(inner, "value", "array"), _field(inner, "dtype", "array")
    if dtype not in _NUMERIC_DTYPES:
        raise ValueError(f"A serialized array must have a numeric dtype; got {dtype!r}")
    if dtype == "bfloat16":
        return torch.tensor(value, dtype=torch.bfloat16)
    array = np.asarray(value, dtype=dtype)
    return torch.from_numpy(array) if as_tensor else array


def _refuse_code(inner, ctx):
    raise ValueError(
        "Refusing to load a Python lambda stored as code in the config: sloi never runs code "
        "from a file, whatever safe_mode says. Pass the function in custom_objects instead "
        "(for a Lambda layer: custom_objects={<layer name>: <the function>} with "
        "safe_mode=False)."
    )


def _keras_tensor(inner, ctx):
    raise ValueError(
        "A symbolic tensor (__keras_tensor__) can only appear in the inbound_nodes of a "
        "functional model's config"
    )


def _field(inner, key, what):
    if not isinstance(inner, dict) or key not in inner:
        raise ValueError(f"A serialized {what} needs a config with {key!r}; got {inner!r}")
    return inner[key]


_SPECIAL = {
    "__tuple__": _tuple,
    "__numpy__": lambda inner, ctx: _array(inner, ctx, False),
    "__tensor__": lambda inner, ctx: _array(inner, ctx, True),
    "__bytes__": lambda inner, ctx: str(_field(inner, "value", "bytes")).encode("utf-8"),
    "__ellipsis__": lambda inner, ctx: Ellipsis,
    "__slice__": lambda inner, ctx: slice(*(deserialize(_field(inner, k, "slice"), ctx)
                                            for k in ("start", "stop", "step"))),
    "__lambda__": _refuse_code,
    "__keras_tensor__": _keras_tensor,
}
