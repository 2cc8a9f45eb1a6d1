"""Keras's model configs (Keras 2 and 3, ``.keras`` and ``.h5``) turned into configs sloi builds.

sloi's layers take Keras 3's arguments, so most of a Keras config is read as it is. What is
translated here are the quirks of the files Keras writes:

- arguments that only Keras knows and that change nothing at inference when they have their
  usual value (``quantization_config=None``, Keras 2's ``time_major=False`` and
  ``implementation``, ``MultiHeadAttention``'s ``query_shape``); any other value is refused,
  naming the layer and the argument;
- Keras 2's spellings: ``BatchNormalization(axis=[3])``, a Sequential config that is a bare
  list, Lambda functions stored as ``[code, defaults, closure]``;
- the numbering of a nested model's calls: Keras 2 counted the node that built a nested
  functional model, or Sequential on an input, everywhere; Keras 3 counts it only in
  ``input_layers`` / ``output_layers``; sloi reads Keras 2's numbering for functional
  models and none for Sequential ones. Keras 2's calls ``[[layer, node, tensor, kwargs]]``
  become Keras 3's ``{"args", "kwargs"}``;
- ``shared_object_id`` markers, which only tell Keras to reuse one Python object.

Every layer class is checked first: one that sloi does not have is named in the error, and a
``Lambda`` layer is refused in safe mode before anything is built. The code Keras stores for a
Python lambda (marshalled bytecode) is dropped unread: it is never decoded, let alone run.
"""

from __future__ import annotations

import inspect

from sloi.engine.operation import OPERATIONS, is_operation
from sloi.saving import families as fam
from sloi.saving.errors import FileFormatError

# Keras's arguments that sloi's layers do not take, and when dropping one changes nothing.
_ANY = object()  # any value is harmless
_HARMLESS = {
    "quantization_config": (None,),
    "time_major": (False, None),  # Keras 2's RNNs
    "implementation": _ANY,  # Keras 2's LSTM/GRU kernels: same numbers
    "causal": (False, None),  # Keras 2.0-2.9's Attention
    "input_length": _ANY,  # Keras 2's Embedding: the input shape is known otherwise
    "query_shape": _ANY,  # Keras 2's MultiHeadAttention: the model's graph builds it
    "key_shape": _ANY,
    "value_shape": _ANY,
    "fused": _ANY,  # Keras 2's BatchNormalization kernel choice
    "virtual_batch_size": (None,),
    "adjustment": (None,),
    "ragged": (False, None),
    "sparse": (False, None),
    "optional": (False, None),
}
# Layers Keras 2 (or TensorFlow) wrote that sloi will never have, with what to do instead.
_KERAS2_ONLY = {
    "CuDNNLSTM": "re-create it as LSTM (same weights layout as Keras 2's LSTM) before saving",
    "CuDNNGRU": "re-create it as GRU(reset_after=True) before saving",
    "TFOpLambda": "it wraps a TensorFlow operation; write it as a Keras layer",
    "SlicingOpLambda": "it wraps a TensorFlow slice; write it as a Keras layer",
    "TensorFlowOpLayer": "it wraps a TensorFlow operation; write it as a Keras layer",
}
_MODELS = ("Functional", "Model", "Sequential")
_NOT_LAYERS = ("activation", "initializer", "regularizer", "constraint")  # config key endings


def translate_model_config(config, source: str, *, keras_major: int = 3, safe_mode=True,
                           custom_names=()) -> dict:
    """A copy of a Keras model config that sloi's ``deserialize_keras_object`` builds.

    Args:
        config: the model config, ``{"class_name": ..., "config": {...}}``.
        source: the file, for messages.
        keras_major: 2 or 3, the Keras that wrote the file (Keras 2 numbers the nodes of a
            nested Sequential differently).
        safe_mode: True refuses Lambda layers.
        custom_names: class names the caller can build (``custom_objects``, registered
            classes): they are passed on untouched.

    Raises:
        FileFormatError: not a model config, or a Keras 1 config.
        ValueError: a layer class sloi does not support, a refused Lambda layer, or an
            argument whose value sloi cannot honour.
    """
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) or (
            config.get("config") is None):
        found = sorted(config)[:10] if isinstance(config, dict) else type(config).__name__
        raise FileFormatError(f'"{source}": expected a Keras model config {{"class_name": ..., '
                              f'"config": {{...}}}}; found {found}')
    if config["class_name"] not in _MODELS and config["class_name"] not in custom_names:
        raise FileFormatError(
            f'"{source}" holds a {config["class_name"]!r}, not a Keras model (expected one of '
            f"{list(_MODELS)}); a subclassed Keras model cannot be rebuilt from its config: "
            "save it as a functional or Sequential model"
        )
    state = _State(source, keras_major, safe_mode, set(custom_names))
    return state.layer(config)


class _State:
    def __init__(self, source, keras_major, safe_mode, custom_names):
        self.source = source
        self.keras_major = keras_major
        self.safe_mode = safe_mode
        self.custom_names = custom_names

    # ------------------------------------------------------------------ layers
    def layer(self, data: dict) -> dict:
        """One serialized layer (or model), translated."""
        if not isinstance(data, dict) or not isinstance(data.get("class_name"), str):
            raise FileFormatError(f'"{self.source}": expected a serialized layer '
                                  f'{{"class_name": ..., "config": ...}}; found {data!r:.200}')
        data = without_shared_ids(data)
        class_name = data["class_name"]
        inner = data.get("config")
        name = (inner.get("name") if isinstance(inner, dict) else None) or data.get("name")
        if class_name in self.custom_names or data.get("registered_name") in self.custom_names:
            return data  # the user's class: its config is the user's business
        if is_operation(data):  # an op node (x + y, ops.mean): rebuilt by name, no code run
            if class_name not in OPERATIONS:
                raise FileFormatError(
                    f'"{self.source}" holds operation "{name}" of class {class_name} (module '
                    f'{data.get("module")}), which is not one of sloi.ops\'s operations')
            return data
        if class_name == "Sequential" and isinstance(inner, list):  # Keras 2.0-2.2
            inner = {"name": name or "sequential", "layers": inner}
        if not isinstance(inner, dict):
            raise FileFormatError(f'"{self.source}": layer {name!r} ({class_name}) has no '
                                  f"config dict; found {inner!r:.200}")
        self._check_supported(class_name, name)
        inner = dict(inner)
        if class_name == "Lambda":
            return {**data, "config": self._lambda(inner, name)}
        if class_name in _MODELS:
            inner = self._model(class_name, inner)
        else:
            inner = self._arguments(class_name, name, inner)
        if class_name not in _MODELS:  # (a model's own layers were translated by _model)
            for key, value in inner.items():  # nested layers: a wrapper's layer, RNN cells
                if key.endswith(_NOT_LAYERS):
                    continue  # an initializer "Identity" is not the layer of that name
                if self._is_layer(value):
                    inner[key] = self.layer(value)
                elif isinstance(value, list) and value and all(map(self._is_layer, value)):
                    inner[key] = [self.layer(v) for v in value]
        return {**data, "config": inner}

    def _is_layer(self, value) -> bool:
        """Whether a config value is a serialized layer (not an initializer, a dtype policy,
        ...): one whose module says so, or whose class sloi or the caller knows as a layer."""
        if not isinstance(value, dict) or not isinstance(value.get("class_name"), str):
            return False
        name = value["class_name"]
        if isinstance(value.get("module"), str) and value["module"].startswith("keras.layers"):
            return True
        return (name in _MODELS or name in _KERAS2_ONLY or name in self.custom_names
                or value.get("registered_name") in self.custom_names
                or fam.builtin_class("layers", name) is not None) and (
            fam.family_of_module(value.get("module")) in (None, "layers"))

    def _check_supported(self, class_name: str, name) -> None:
        if class_name in _MODELS or fam.builtin_class("layers", class_name) is not None:
            return
        what = f'layer "{name}" of class {class_name}' if name else f"a layer of class {class_name}"
        if class_name in _KERAS2_ONLY:
            raise FileFormatError(f'"{self.source}" holds {what}, which sloi does not '
                                  f"support: {_KERAS2_ONLY[class_name]}")
        supported = ", ".join(n for n in fam.builtin_names("layers") if n != "Layer")
        raise FileFormatError(
            f'"{self.source}" holds {what}, which sloi does not support. sloi reads these Keras '
            f"layers: {supported}. A custom layer class can be passed as "
            f"custom_objects={{{class_name!r}: {class_name}}}."
        )

    def _arguments(self, class_name: str, name, inner: dict) -> dict:
        """Drop the Keras-only arguments sloi does not take when their value is harmless."""
        cls = fam.builtin_class("layers", class_name)
        accepted = _accepted_arguments(cls)
        for key in list(inner):
            if key in accepted or key not in _HARMLESS:
                continue
            allowed = _HARMLESS[key]
            if allowed is not _ANY and inner[key] not in allowed:
                raise FileFormatError(
                    f'"{self.source}": layer "{name}" ({class_name}) sets {key}='
                    f"{inner[key]!r}, which sloi does not support (it reads {key} only when it "
                    f"is {' or '.join(repr(a) for a in allowed)})"
                )
            del inner[key]
        if class_name == "BatchNormalization" and isinstance(inner.get("axis"), list):
            if len(inner["axis"]) != 1:
                raise FileFormatError(f'"{self.source}": layer "{name}" (BatchNormalization) '
                                      f"normalizes over axes {inner['axis']}; sloi supports "
                                      "one axis")
            inner["axis"] = inner["axis"][0]  # Keras 2 wrote the built axis as a list
        if "batch_shape" in inner and class_name != "InputLayer":
            inner["batch_input_shape"] = inner.pop("batch_shape")
        return inner

    def _lambda(self, inner: dict, name) -> dict:
        stored_code = any(
            inner.get(f"{key}_type") == "lambda" or (
                isinstance(inner.get(key), dict) and inner[key].get("class_name") == "__lambda__")
            for key in ("function", "output_shape", "mask"))
        if stored_code and self.safe_mode:  # a named function loads in safe mode, as in Keras
            raise ValueError(
                f'Refusing to load "{self.source}": it holds the Lambda layer "{name}", whose '
                "function Keras stored as Python bytecode, and sloi never runs code from a file "
                "(safe_mode=True, the default). If you trust the file, load it with "
                "safe_mode=False and pass the function, defined in your program: "
                f"custom_objects={{{name!r}: <the function>}}."
            )
        for key in ("function", "output_shape", "mask"):
            kind = inner.pop(f"{key}_type" if key != "mask" else "mask_type", None)
            value = inner.get(key)
            if kind == "lambda" or (isinstance(value, dict)
                                    and value.get("class_name") == "__lambda__"):
                # Stored code: dropped unread; the function comes from custom_objects.
                inner[key] = {"class_name": "__lambda__", "config": {}} if key == "function" \
                    else None
        for key in ("module", "output_shape_module", "mask_module"):
            inner.pop(key, None)
        return inner

    # ------------------------------------------------------------------ models
    def _model(self, class_name: str, inner: dict) -> dict:
        layers = inner.get("layers")
        if not isinstance(layers, list):
            raise FileFormatError(f'"{self.source}": the {class_name} model '
                                  f"{inner.get('name')!r} has no list of layers")
        inner["layers"] = [self.layer(entry) for entry in layers]
        if class_name == "Sequential":
            inner.pop("dtype", None)
            return inner
        for key in ("input_layers", "output_layers"):
            if key in inner:
                inner[key] = _single(inner[key])
        if self.keras_major == 2:
            for entry in inner["layers"]:
                if isinstance(entry.get("inbound_nodes"), list):
                    entry["inbound_nodes"] = [_keras2_call(n, self.source)
                                              for n in entry["inbound_nodes"]]
            self._renumber_keras2_nodes(inner)
        else:
            _renumber_keras3_calls(inner)
        return inner

    def _renumber_keras2_nodes(self, inner: dict) -> None:
        """Keras 2 counted the node that built a Sequential on an input; sloi does not."""
        shifted = {entry.get("name") or entry["config"].get("name")
                   for entry in inner["layers"]
                   if entry.get("class_name") == "Sequential" and _has_input(entry["config"])}
        if not shifted:
            return

        def fix(ref):
            if (isinstance(ref, list) and len(ref) >= 3 and ref[0] in shifted
                    and isinstance(ref[1], int)):
                return [ref[0], ref[1] - 1, *ref[2:]]
            if isinstance(ref, list):
                return [fix(r) for r in ref]
            if isinstance(ref, dict):
                if ref.get("class_name") == "__keras_tensor__":
                    config = dict(ref.get("config") or {})
                    config["keras_history"] = fix(config.get("keras_history"))
                    return {**ref, "config": config}
                return {k: fix(v) for k, v in ref.items()}
            return ref

        for entry in inner["layers"]:
            if "inbound_nodes" in entry:
                entry["inbound_nodes"] = fix(entry["inbound_nodes"])
        for key in ("input_layers", "output_layers"):
            inner[key] = fix(inner[key])


def _is_ref(value) -> bool:
    return (isinstance(value, list) and len(value) == 3 and isinstance(value[0], str)
            and isinstance(value[1], int) and isinstance(value[2], int))


def _keras_tensor(ref) -> dict:
    return {"class_name": "__keras_tensor__", "config": {"keras_history": list(ref)}}


def _keras2_call(node, source: str):
    """Keras 2's call ``[[layer, node, tensor, kwargs], ...]`` as Keras 3's ``{"args",
    "kwargs"}``; tensors among the keyword arguments (``MultiHeadAttention``'s ``value``)
    were written ``[layer, node, tensor]`` too."""
    if not isinstance(node, list):
        return node  # already Keras 3's form
    tensors, kwargs = [], {}
    for item in node:
        if not (isinstance(item, list) and len(item) in (3, 4) and _is_ref(item[:3])):
            raise FileFormatError(f'"{source}": cannot read the layer call {node!r:.200}')
        tensors.append(_keras_tensor(item[:3]))
        if len(item) == 4 and isinstance(item[3], dict):
            kwargs = item[3]

    def revive(value):
        if _is_ref(value):
            return _keras_tensor(value)
        if isinstance(value, list):
            return [revive(v) for v in value]
        if isinstance(value, dict):
            return {k: revive(v) for k, v in value.items()}
        return value

    return {"args": [tensors[0] if len(tensors) == 1 else tensors],
            "kwargs": {k: revive(v) for k, v in kwargs.items()}}


def _renumber_keras3_calls(inner: dict) -> None:
    """Keras 3 numbers a nested functional model's calls from 0 in the arguments of a call,
    but from 1 in ``input_layers`` / ``output_layers`` (as Keras 2 did everywhere, counting
    the node that built the model). sloi reads Keras 2's numbering: shift the arguments."""
    nested = {entry.get("name") or entry["config"].get("name")
              for entry in inner["layers"] if entry.get("class_name") in ("Functional", "Model")}
    if not nested:
        return

    def fix(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            config = dict(value.get("config") or {})
            history = config.get("keras_history")
            if (isinstance(history, list) and len(history) == 3 and history[0] in nested
                    and isinstance(history[1], int)):
                config["keras_history"] = [history[0], history[1] + 1, history[2]]
            return {**value, "config": config}
        if isinstance(value, dict):
            return {k: fix(v) for k, v in value.items()}
        if isinstance(value, list):
            return [fix(v) for v in value]
        return value

    for entry in inner["layers"]:
        nodes = entry.get("inbound_nodes")
        if isinstance(nodes, list):
            entry["inbound_nodes"] = [fix(n) if isinstance(n, dict) else n for n in nodes]


def _single(structure):
    """Keras 2 wrote one input as ``[["x", 0, 0]]``; a single tensor is ``["x", 0, 0]``."""
    if (isinstance(structure, list) and len(structure) == 1 and isinstance(structure[0], list)
            and len(structure[0]) == 3 and isinstance(structure[0][0], str)):
        return structure[0]
    return structure


def _has_input(config) -> bool:
    """Whether a Keras 2 Sequential config starts from a known input shape."""
    layers = config.get("layers") if isinstance(config, dict) else config
    if not isinstance(layers, list) or not layers or not isinstance(layers[0], dict):
        return False
    first = layers[0]
    inner = first.get("config") or {}
    return first.get("class_name") == "InputLayer" or "batch_input_shape" in inner


def _accepted_arguments(cls) -> set:
    """The keyword arguments a layer class names in its ``__init__`` (not ``**kwargs``)."""
    names = set()
    for klass in cls.__mro__:
        init = klass.__dict__.get("__init__")
        if init is None:
            continue
        params = inspect.signature(init).parameters.values()
        names |= {p.name for p in params if p.kind is not p.VAR_KEYWORD}
        if not any(p.kind is p.VAR_KEYWORD for p in params):
            break
    return names


def without_shared_ids(value):
    """A copy without Keras 3's ``shared_object_id`` keys (they only say to reuse an object)."""
    if isinstance(value, dict):
        return {k: without_shared_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [without_shared_ids(v) for v in value]
    return value
