"""Writing Keras's files from a sloi model: ``.keras``, legacy ``.h5`` and ``.weights.h5``.

- ``save_keras_model(model, "x.keras")``: a Keras 3 archive, a zip of ``config.json`` (the
  model as ``serialize_keras_object`` writes it, with its compile config), ``metadata.json``
  and ``model.weights.h5`` (Keras 3's layout, see ``keras_h5``);
- ``save_legacy_h5(model, "x.h5")``: Keras's legacy HDF5 file, the ``model_config`` and
  ``training_config`` attributes and a ``model_weights`` group per layer, in tf.keras 2's
  dialect (``keras2_dialect``), which tf.keras 2 and Keras 3's legacy loader both read (a
  model that has no such form keeps Keras 3's dialect, with a warning);
- ``save_keras_weights(model, "x.weights.h5")``: the weights alone in Keras 3's layout;
- ``save_legacy_h5_weights(model, "x.h5")``: the weights alone in the legacy layout, as
  tf.keras 2's ``save_weights("x.h5")`` wrote them.

The weight paths come from ``keras_h5``, the module that reads these files, so that reading
and writing cannot disagree. Every file is built in memory first and then written atomically
(``archive``): a model Keras cannot express (a ``TorchModuleWrapper``, a layer class that is
neither sloi's nor registered) is refused before anything touches the disk, and the previous
file stays as it was. A ``.keras`` archive holds the optimizer's state where Keras keeps it
(``keras_optimizer``: SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, Lion, Ftrl);
``.sloi`` keeps every optimizer's state.

Op nodes (``x + y``, ``ops.mean(x, axis=1)``): sloi records every argument in the node,
while Keras puts an op's fixed arguments in the op's config and only the tensors in the
node. The split is read from the op function's signature (sloi's op functions take Keras's
argument names): a tensor, or an argument in a tensor's role (``x``, ``x1``, ``x2``,
``condition``: even a Python number, as Keras writes ``x + 2``) stays in the node; every
other argument (``axis``, ``keepdims``, ``newshape``, ``dtype``) goes to the config.
"""

from __future__ import annotations

import base64
import copy
import datetime
import inspect
import io
import json
import marshal
import warnings

import numpy as np

from sloi.engine import Functional, Layer, Sequential
from sloi.engine.operation import OPERATIONS, is_operation
from sloi.saving import archive, keras_h5, saving_api
from sloi.saving import families as fam
from sloi.saving import serialization as ser
from sloi.saving.compile_config import get_compile_config
from sloi.saving.keras2_dialect import (
    KERAS2_VERSION,
    Keras2Unavailable,
    keras2_model_config,
    keras2_training_config,
)
from sloi.saving.keras_optimizer import keras_optimizer_values

# The Keras version the files claim: the one whose loader the tests check them against.
KERAS_VERSION = "3.15.1"
# sloi's layers whose config Keras cannot rebuild, and why.
NOT_IN_KERAS = {
    "TorchModuleWrapper": "it wraps a torch module, which Keras can only store as pickled "
                          "code",
    "ConvLSTM1DCell": "Keras has no public ConvLSTM1DCell: use the ConvLSTM1D layer",
    "ConvLSTM2DCell": "Keras has no public ConvLSTM2DCell: use the ConvLSTM2D layer",
    "ConvLSTM3DCell": "Keras has no public ConvLSTM3DCell: use the ConvLSTM3D layer",
}
# sloi's class names that Keras writes under another name (its public alias).
KERAS_CLASS_NAMES = {"GroupedQueryAttention": "GroupQueryAttention"}
_WRAPPED = ("layer", "backward_layer", "forward_layer", "cell")
# The names Keras's op functions give their tensor arguments: Keras passes these to the op's
# call (a Python number included, as in ``x + 2``); every other argument (``axis``,
# ``newshape``, ``dtype``) goes to the op's constructor, so into its config.
_TENSOR_ROLES = {"x", "x1", "x2", "x3", "y", "condition", "xs", "inputs", "a", "b", "indices",
                 "updates", "values", "start_indices", "target", "output", "mask", "query",
                 "key", "value", "bias", "kernel", "logits", "labels", "weights", "sample"}


# ---------------------------------------------------------------------------- public
def save_keras_model(model, path: str) -> None:
    """Write ``model`` as a Keras 3 ``.keras`` archive (atomically), with the optimizer's
    state where Keras keeps it the same way (see ``keras_optimizer``)."""
    config = keras_model_config(model, path)
    compile_config = get_compile_config(model)
    optimizer = None
    if compile_config is not None:
        config["compile_config"] = compile_config
        optimizer = getattr(model, "optimizer", None)
    weights = keras3_weights_bytes(model, path, optimizer)
    members = {
        "metadata.json": _dumps({"keras_version": KERAS_VERSION, "date_saved": _now()}).encode(),
        "config.json": _dumps(config).encode(),
        "model.weights.h5": weights,
    }
    archive.write_zip(path, members)


def save_keras_weights(model, path: str) -> None:
    """Write ``model``'s weights in Keras 3's ``.weights.h5`` layout (atomically)."""
    archive.atomic_write_bytes(path, keras3_weights_bytes(model, path))


def save_legacy_h5(model, path: str) -> None:
    """Write ``model`` as Keras's legacy ``.h5`` full-model file (atomically), in tf.keras 2's
    dialect (``keras2_dialect``), which tf.keras 2 and Keras 3's legacy loader both read.
    A model that has no such form (an op node, a Keras 3-only layer, ...) is written in
    Keras 3's dialect, which Keras 3 reads, with one warning naming the layers."""
    config = keras_model_config(model, path)
    compile_config = get_compile_config(model)
    training = _training_config(compile_config) if compile_config is not None else None
    try:
        config = keras2_model_config(config)
        version, backend = KERAS2_VERSION, "tensorflow"
        training = keras2_training_config(training) if training is not None else None
    except Keras2Unavailable as e:
        shown = "; ".join(e.reasons[:3]) + ("; ..." if len(e.reasons) > 3 else "")
        warnings.warn(f'"{path}" is written in Keras 3\'s dialect, which Keras 3 reads and '
                      f"tf.keras 2 does not: {shown}", stacklevel=4)
        version, backend = KERAS_VERSION, "torch"
    h5py = keras_h5.h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        f.attrs["backend"] = backend
        f.attrs["keras_version"] = version
        f.attrs["model_config"] = _dumps(config)
        if training is not None:
            f.attrs["training_config"] = _dumps(training)
        _write_legacy_weights(f.create_group("model_weights"), model, version, backend)
    archive.atomic_write_bytes(path, buffer.getvalue())


def save_legacy_h5_weights(model, path: str) -> None:
    """Write ``model``'s weights alone as tf.keras 2's ``save_weights("x.h5")`` did
    (atomically): the ``model_weights`` layout of the legacy file, at the file's root.
    Keras 3 and tf.keras 2 read it with ``load_weights`` (Keras 3 no longer writes it)."""
    _check_expressible(model, path)
    h5py = keras_h5.h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        _write_legacy_weights(f, model, KERAS2_VERSION, "tensorflow")
    archive.atomic_write_bytes(path, buffer.getvalue())


# ---------------------------------------------------------------------------- config
def keras_model_config(model, path: str) -> dict:
    """The model's config as Keras writes it; ``ValueError`` naming the first layer Keras
    cannot express."""
    _check_expressible(model, path)
    config = copy.deepcopy(ser.serialize_keras_object(model))
    _write_lambda_functions(config, model, path)
    _split_op_arguments(config)
    _renumber_nested_calls(config)
    _add_modules(config)
    return config


def keras_layer_config(layer) -> dict:
    """One layer's entry as Keras writes it in a model's config: its class, module and
    config (what ``keras.saving.deserialize_keras_object`` reads)."""
    config = copy.deepcopy(ser.serialize_keras_object(layer))
    _add_modules(config)
    return config


def _write_lambda_functions(config, model, path: str) -> None:
    """A ``Lambda`` layer's function as Keras writes it: a Python lambda as its bytecode
    (Keras's ``__lambda__``, which Keras loads with ``safe_mode=False``), a named function
    by its name (Keras finds it in ``custom_objects``)."""
    lambdas = {layer.name: layer for layer in _layers_below(model)
               if type(layer).__name__ == "Lambda"}
    if not lambdas:
        return

    def visit(value):
        if isinstance(value, dict):
            inner = value.get("config")
            if value.get("class_name") == "Lambda" and isinstance(inner, dict) and (
                    inner.get("name") in lambdas):
                layer = lambdas[inner["name"]]
                inner["function"] = _keras_function(layer.function, layer, path)
                for key in ("output_shape", "mask"):
                    if isinstance(inner.get(key), (str, dict)):
                        raise ValueError(
                            f'Cannot save "{path}" in Keras\'s format: layer "{layer.name}" '
                            f"(Lambda) has a function as its {key}, which sloi does not write "
                            f"for Keras. Save the model as a .sloi file instead "
                            f'(model.save("{_sloi_name(path)}")); nothing was written')
            for item in value.values():
                visit(item)
        elif isinstance(value, list):
            for item in value:
                visit(item)

    visit(config)


def _keras_function(fn, layer, path: str):
    if getattr(fn, "__name__", "") != "<lambda>":
        name = getattr(fn, "__name__", type(fn).__name__)
        return {"module": "builtins", "class_name": "function", "config": name,
                "registered_name": "function"}
    closure = None
    if fn.__closure__:
        closure = [cell.cell_contents for cell in fn.__closure__]
    try:
        json.dumps([fn.__defaults__, closure])
    except TypeError as e:
        raise ValueError(
            f'Cannot save "{path}" in Keras\'s format: the function of layer "{layer.name}" '
            f"(Lambda) holds values that Keras's file cannot store ({e}). Save the model as a "
            f'.sloi file instead (model.save("{_sloi_name(path)}")); nothing was written'
        ) from None
    code = base64.encodebytes(marshal.dumps(fn.__code__)).decode("ascii")
    return {"class_name": "__lambda__",
            "config": {"code": code, "defaults": fn.__defaults__, "closure": closure}}


def _renumber_nested_calls(config) -> None:
    """sloi counts the node that built a nested functional model in every reference to its
    calls (Keras 2's numbering); Keras 3 counts it only in ``input_layers`` /
    ``output_layers``, not in the arguments of a call (``keras_config`` does the reverse)."""
    inner = config.get("config") if isinstance(config, dict) else None
    if not isinstance(inner, dict) or not isinstance(inner.get("layers"), list):
        return
    for entry in inner["layers"]:
        _renumber_nested_calls(entry)
    if config.get("class_name") not in ("Functional", "Model"):
        return
    nested = {entry.get("name") or entry["config"].get("name") for entry in inner["layers"]
              if entry.get("class_name") in ("Functional", "Model")}
    if not nested:
        return

    def fix(value):
        if isinstance(value, dict) and value.get("class_name") == "__keras_tensor__":
            history = value.get("config", {}).get("keras_history")
            if isinstance(history, list) and len(history) == 3 and history[0] in nested:
                history[1] -= 1
        elif isinstance(value, dict):
            for item in value.values():
                fix(item)
        elif isinstance(value, list):
            for item in value:
                fix(item)

    for entry in inner["layers"]:
        fix(entry.get("inbound_nodes"))


def _add_modules(value) -> None:
    """Name the module of every object, as Keras 3 does: sloi's layers write the layers
    they wrap (``Bidirectional``'s ``layer``) and their initializers without one, which
    Keras's loader refuses; a functional model is ``keras.src.models.functional``'s."""
    if isinstance(value, list):
        for item in value:
            _add_modules(item)
        return
    if not isinstance(value, dict):
        return
    class_name = value.get("class_name")
    if isinstance(class_name, str) and isinstance(value.get("config"), (dict, str)):
        if class_name in ("Functional", "Model"):
            value["module"] = "keras.src.models.functional"
            value["class_name"] = "Functional"
        elif class_name in KERAS_CLASS_NAMES and value.get("module") == "keras.layers":
            value["class_name"] = KERAS_CLASS_NAMES[class_name]
        elif value.get("module") is None and class_name != "__keras_tensor__":
            module = _module_of(class_name)
            if module is not None:
                value["module"] = module
                value.setdefault("registered_name", None)
    for item in value.values():
        _add_modules(item)


def _module_of(class_name: str):
    if class_name == "Sequential":
        return "keras"
    for family, module, _, _ in fam.FAMILIES:
        if fam.builtin_class(family, class_name) is not None:
            return module
    return None


def _check_expressible(layer, path: str) -> None:
    """Refuses the sloi layers Keras has no class for. A user's own layer is written as Keras
    writes it, by its class name, registered or not: Keras and sloi load it given the class
    (``custom_objects``, or registered)."""
    for sub in _layers_below(layer):
        class_name = type(sub).__name__
        ours = fam.builtin_class("layers", class_name) is type(sub)
        why = NOT_IN_KERAS.get(class_name) if ours else None
        if why is not None:
            raise ValueError(
                f'Cannot save "{path}" in Keras\'s format: layer "{sub.name}" ({class_name}) '
                f"has no Keras equivalent: {why}. Save the model as a .sloi file instead "
                f'(model.save("{_sloi_name(path)}")); nothing was written'
            )


def _layers_below(layer):
    """The layers Keras's config names: a model's layers and what wrappers wrap, not the
    private sub-layers of a built-in layer (``MultiHeadAttention``'s projections)."""
    found = [layer]
    if isinstance(layer, (Functional, Sequential)):
        inner = list(layer.layers)
    else:
        # only what the layer's config names: ConvLSTM2D's cell is its own private part,
        # which Keras's config leaves out as sloi's does
        named = set(layer.get_config())
        inner = [getattr(layer, attr, None) for attr in _WRAPPED if attr in named]
        if "cells" in named:
            inner += list(getattr(layer, "cells", None) or [])
    for sub in inner:
        if isinstance(sub, Layer) and sub is not layer:
            found += _layers_below(sub)
    return found


def _sloi_name(path: str) -> str:
    for suffix in (".weights.h5", ".keras", ".hdf5", ".h5"):
        if path.lower().endswith(suffix):
            return path[: -len(suffix)] + ".sloi"
    return path + ".sloi"


def _split_op_arguments(config) -> None:
    """Move each op node's fixed arguments from its call into its config, as Keras does."""
    if not isinstance(config, dict):
        return
    inner = config.get("config")
    if isinstance(inner, dict) and isinstance(inner.get("layers"), list):
        for entry in inner["layers"]:
            if is_operation(entry):
                _split_one(entry)
            else:
                _split_op_arguments(entry)


def _split_one(entry: dict) -> None:
    fn = OPERATIONS.get(entry.get("class_name"))
    nodes = entry.get("inbound_nodes") or []
    if fn is None or len(nodes) != 1:
        return
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):
        return
    params = list(signature.parameters.values())
    if any(p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD) for p in params):
        return  # no way to tell a fixed argument from a call argument
    node = nodes[0]
    try:
        bound = signature.bind(*node.get("args", []), **node.get("kwargs", {}))
    except TypeError:
        return
    args, kwargs, fixed = [], {}, {}
    for p in params:
        if p.name not in bound.arguments:
            continue
        value = bound.arguments[p.name]
        if _holds_tensor(value) or p.name in _TENSOR_ROLES:
            if fixed or kwargs:  # after a fixed argument: by name
                kwargs[p.name] = value
            else:
                args.append(value)
        else:
            fixed[p.name] = value
    entry["config"] = {**entry.get("config", {}), **fixed}
    entry["inbound_nodes"] = [{"args": args, "kwargs": kwargs}]


def _holds_tensor(value) -> bool:
    if isinstance(value, dict):
        return value.get("class_name") == "__keras_tensor__" or any(
            _holds_tensor(v) for v in value.values())
    if isinstance(value, list):
        return any(_holds_tensor(v) for v in value)
    return False


def _training_config(compile_config: dict) -> dict:
    """A compile config in the legacy file's ``training_config`` spelling."""
    training = {k: v for k, v in compile_config.items() if k != "optimizer"}
    optimizer = compile_config.get("optimizer")
    if isinstance(optimizer, str):
        optimizer = {"class_name": optimizer, "config": {}}
    training["optimizer_config"] = optimizer
    return training


# ---------------------------------------------------------------------------- weights
def keras3_weights_bytes(model, path: str, optimizer=None) -> bytes:
    """The model's weights as a Keras 3 HDF5 file (bytes): ``<path>/vars/0, 1, ...``, and
    ``optimizer``'s state under ``optimizer/vars`` when Keras can take it."""
    _check_expressible(model, path)
    try:
        layout = keras_h5.keras3_layout(model)
    except ValueError as e:
        raise ValueError(f'Cannot save "{path}" in Keras\'s format: {e}. Save the model as a '
                         f'.sloi file instead (model.save("{_sloi_name(path)}")); nothing was '
                         "written") from e
    h5py = keras_h5.h5py_module()
    buffer = io.BytesIO()
    with h5py.File(buffer, "w") as f:
        for group_path, layer, weights in layout:
            group = f.require_group(group_path)
            group.attrs["name"] = layer.name
            for i, (_, w) in enumerate(weights):
                group.create_dataset(str(i), data=_numpy(w))
        state = (keras_optimizer_values(optimizer, list(model.trainable_weights))
                 if optimizer is not None else None)
        if state is not None:
            group = f.require_group("optimizer/vars")
            group.attrs["name"] = optimizer.name
            for i, value in enumerate(state):
                group.create_dataset(str(i), data=value)
    return buffer.getvalue()


def _write_legacy_weights(group, model, version: str, backend: str) -> None:
    """One group per layer, its weights in Keras's legacy order and named as tf.keras 2 names
    them (``dense/kernel:0``); loaders pair them by order, never by these names."""
    layers = list(model.layers)
    group.attrs["layer_names"] = np.array([layer.name.encode() for layer in layers])
    group.attrs["backend"] = backend
    group.attrs["keras_version"] = version
    for layer in sorted(layers, key=lambda x: x.name):
        layer_group = group.create_group(layer.name)
        weights = keras_h5.legacy_weights(layer)
        names = _unique([f"{p}:0" for p, _ in weights])
        layer_group.attrs["weight_names"] = np.array([n.encode() for n in names])
        for name, (_, w) in zip(names, weights):
            layer_group.create_dataset(name, data=_numpy(w))
    if "top_level_model_weights" not in group:  # (a layer could have that name)
        top = group.create_group("top_level_model_weights")
        top.attrs["weight_names"] = np.array([], dtype="S1")


def _unique(names: list[str]) -> list[str]:
    seen: dict[str, int] = {}
    out = []
    for name in names:
        seen[name] = seen.get(name, -1) + 1
        out.append(name if seen[name] == 0 else f"{name}_{seen[name]}")
    return out


def _numpy(w) -> np.ndarray:
    return w.detach().cpu().numpy()


# ---------------------------------------------------------------------------- JSON
def _dumps(value) -> str:
    return json.dumps(value, default=_json_default)


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, (tuple, set)):
        return list(value)
    raise TypeError(f"a value of type {type(value).__name__} ({value!r}) cannot be stored in "
                    "a Keras file: a get_config() must return plain values")


def _now() -> str:
    return datetime.datetime.now().strftime("%Y-%m-%d@%H:%M:%S")


# ---------------------------------------------------------------------------- hooks
def register() -> None:
    """Make ``save_model`` write ``.keras`` / ``.h5`` and ``save_weights`` write
    ``.weights.h5`` (Keras 3) and ``.h5`` (tf.keras 2's legacy weights) files."""
    saving_api.register_model_saver(".keras", save_keras_model)
    for suffix in (".h5", ".hdf5"):
        saving_api.register_model_saver(suffix, save_legacy_h5)
        saving_api.register_weights_saver(suffix, save_legacy_h5_weights)
    saving_api.register_weights_saver(".weights.h5", save_keras_weights)


register()
