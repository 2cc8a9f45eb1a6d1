"""``serialize_keras_object``: objects to Keras 3 config dicts; the safe mode loading obeys.

An object becomes ``{"module", "class_name", "config", "registered_name"}`` as in Keras 3
(``"module": "keras.layers"`` for sloi's own layers, so that configs read like Keras's and Keras's
read like ours). Plain values (numbers, strings, lists, dicts) stay as they are. The way back is
``deserialization.deserialize_keras_object``.
"""

from __future__ import annotations

import inspect
import threading

import numpy as np
import torch

from sloi.engine import Functional, InputLayer, Layer, SymbolicTensor
from sloi.engine import object_registration as registry
from sloi.engine.dtypes import dtype_name
from sloi.engine.operation import OPERATION_MODULES, Operation
from sloi.saving import families as fam

# ---------------------------------------------------------------------------- safe mode
_safe_mode = threading.local()
_unsafe_everywhere = False


class SafeModeScope:
    """``with SafeModeScope(False):`` lets Lambda layers load inside the block (their
    functions still come only from ``custom_objects``)."""

    def __init__(self, safe_mode=True):
        self.safe_mode = safe_mode

    def __enter__(self):
        stack = _safe_stack()
        stack.append(self.safe_mode if self.safe_mode is not None else in_safe_mode())
        return self

    def __exit__(self, *exc):
        _safe_stack().pop()
        return False


def _safe_stack() -> list:
    if not hasattr(_safe_mode, "stack"):
        _safe_mode.stack = []
    return _safe_mode.stack


def in_safe_mode() -> bool:
    """Whether loading refuses Lambda layers now (the innermost ``SafeModeScope``, else True
    unless ``enable_unsafe_deserialization()`` was called)."""
    stack = _safe_stack()
    return stack[-1] if stack else not _unsafe_everywhere


def enable_unsafe_deserialization() -> None:
    """Let every later load accept Lambda layers (as ``safe_mode=False`` does for one call)."""
    global _unsafe_everywhere
    _unsafe_everywhere = True


# ---------------------------------------------------------------------------- serialize
def serialize_keras_object(obj):
    """``obj`` as Keras 3 writes it: plain values unchanged, objects as ``{"module",
    "class_name", "config", "registered_name"}`` (layers also with ``"build_config"``)."""
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if isinstance(obj, np.generic):
        return obj.item()
    if isinstance(obj, list):
        return [serialize_keras_object(x) for x in obj]
    if isinstance(obj, tuple):
        return tuple(serialize_keras_object(x) for x in obj)
    if isinstance(obj, dict):
        return {key: serialize_keras_object(value) for key, value in obj.items()}
    if isinstance(obj, torch.dtype):
        return dtype_name(obj)
    if isinstance(obj, SymbolicTensor):
        history = obj.history
        return {"class_name": "__keras_tensor__", "config": {
            "shape": list(obj.shape), "dtype": dtype_name(obj.dtype),
            "keras_history": None if history is None else [
                history.layer.name, history.node_index, history.tensor_index]}}
    if isinstance(obj, (torch.Tensor, np.ndarray)):
        array = obj.detach().cpu().numpy() if isinstance(obj, torch.Tensor) else obj
        return {"class_name": "__tensor__" if isinstance(obj, torch.Tensor) else "__numpy__",
                "config": {"value": array.tolist(), "dtype": str(array.dtype)}}
    if isinstance(obj, slice):  # an index of x[...] in an op node
        return {"class_name": "__slice__", "config": {
            "start": serialize_keras_object(obj.start), "stop": serialize_keras_object(obj.stop),
            "step": serialize_keras_object(obj.step)}}
    if obj is Ellipsis:
        return {"class_name": "__ellipsis__", "config": {}}
    if isinstance(obj, bytes):
        return {"class_name": "__bytes__", "config": {"value": obj.decode("utf-8")}}
    if isinstance(obj, Layer):
        return _serialize_layer(obj)
    if inspect.isclass(obj):
        raise TypeError(f"Cannot serialize the class {obj.__name__}: serialize an instance")
    for family, module, package, base in fam.FAMILIES:
        if isinstance(obj, base) and fam.is_builtin_class(type(obj)):
            return _serialize_builtin(family, module, package, obj)
    if hasattr(obj, "get_config"):
        return _serialize_custom(obj)
    if callable(obj):
        return _serialize_function(obj)
    raise TypeError(
        f"Cannot serialize {type(obj).__name__} {obj!r}: it is not a plain value and has no "
        "get_config()"
    )


def _serialize_builtin(family, module, package, obj) -> dict:
    data = package.serialize(obj)
    return {"module": module, "class_name": data["class_name"],
            "config": serialize_keras_object(data.get("config")), "registered_name": None}


def _serialize_custom(obj) -> dict:
    cls = type(obj)
    return {"module": cls.__module__, "class_name": cls.__name__,
            "config": serialize_keras_object(obj.get_config()),
            "registered_name": registry.get_registered_name(cls)}


def _serialize_function(fn) -> dict:
    name = getattr(fn, "__name__", None)
    if name is None or name == "<lambda>":
        raise ValueError(
            f"Cannot serialize {fn!r}: sloi never stores code, so a lambda (or an object "
            "without a name) cannot be saved. Use a named function registered with "
            "@sloi.saving.register_keras_serializable()."
        )
    if registry.is_registered(fn):
        return {"module": fn.__module__, "class_name": "function",
                "config": registry.get_registered_name(fn),
                "registered_name": "function"}
    for family in fam.FUNCTION_FAMILIES:
        if fam.builtin_function(family, name) is fn:
            return {"module": f"keras.{family}", "class_name": "function", "config": name,
                    "registered_name": "function"}
    return {"module": getattr(fn, "__module__", None), "class_name": "function",
            "config": name, "registered_name": "function"}


def _serialize_layer(layer) -> dict:
    cls = type(layer)
    if cls is Operation:  # an op node: its Keras class, found again in the op catalogue
        name = layer.op_class_name
        return {"module": OPERATION_MODULES.get(name, "keras.src.ops.numpy"),
                "class_name": name, "config": serialize_keras_object(layer.get_config()),
                "registered_name": name}
    if fam.is_graph_model_class(cls):
        module, registered = "keras", None
    elif fam.is_builtin_class(cls):
        module, registered = "keras.layers", None
    else:  # a script's own class has no module a loader could find: None, as Keras writes
        module = None if cls.__module__ == "__main__" else cls.__module__
        registered = registry.get_registered_name(cls)
    data = {"module": module, "class_name": cls.__name__,
            "config": serialize_keras_object(layer.get_config()), "registered_name": registered}
    build_config = _build_config(layer)
    if build_config is not None:
        data["build_config"] = build_config
    return data


def _build_config(layer):
    """``{"input_shape": ...}`` for a layer built from one shape (or a list of shapes)."""
    if isinstance(layer, (Functional, InputLayer)):
        return None
    config = layer.get_build_config()
    return None if config is None else serialize_keras_object(config)
