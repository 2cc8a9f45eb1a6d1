"""Models and weights saved by Keras, loaded into sloi.

- ``load_keras_model(path)`` reads a Keras 3 ``.keras`` archive (``config.json``,
  ``model.weights.h5``, ``metadata.json``) or a legacy ``.h5`` full model (Keras 2, or Keras
  3's ``model.save("x.h5")``: a ``model_config`` attribute and a ``model_weights`` group),
  builds the sloi model from the Keras config, sets every weight in Keras's order after
  checking its shape, and compiles it again with the saved optimizer, loss and metrics.
- ``load_keras_weights(model, path)`` reads ``.weights.h5`` (Keras 3), the weights inside a
  ``.keras`` archive, or a legacy ``.h5`` weights or model file into an existing sloi model.

The kind of file is told by its content (a zip archive or an HDF5 file), not by its name.
Importing this module makes ``sloi.models.load_model`` and ``model.load_weights`` read these
files. Loading never runs code from a file: a ``Lambda`` layer is refused unless
``safe_mode=False``, and even then its function comes from ``custom_objects``. A ``.keras``
file's optimizer state (step count, learning rate, Adam's moments, ...) is restored for the
optimizers whose layout sloi knows (``keras_optimizer``), so that ``fit`` goes on where the
saved training stopped; a legacy ``.h5`` file's is not (its hyper-parameters are).
"""

from __future__ import annotations

import warnings

from sloi.engine import allocation
from sloi.saving import archive, h5_reading, keras_h5, saving_api
from sloi.saving import deserialization as de
from sloi.saving import object_registration as registry
from sloi.saving.compile_config import deserialize_compile_config
from sloi.saving.errors import FileFormatError
from sloi.saving.keras_config import translate_model_config, without_shared_ids
from sloi.saving.keras_optimizer import read_keras_optimizer, restore_keras_optimizer
from sloi.saving.serialization import SafeModeScope

_KERAS_MEMBERS = ("config.json", "metadata.json", "model.weights.h5")
_KERAS_REQUIRED = ("config.json", "model.weights.h5")
_WHAT = "a Keras model file (.keras)"


def load_keras_model(path, custom_objects=None, safe_mode=True, compile=True):
    """The sloi model a Keras ``.keras`` or ``.h5`` file describes, with its weights.

    Args:
        path: a ``.keras`` archive (Keras 3, or Keras 2.13+) or a legacy ``.h5`` full model
            (Keras 2, or Keras 3's ``model.save("x.h5")``).
        custom_objects: ``{"Name": class_or_function}`` for the file's custom layers, and
            for the functions of Lambda layers when ``safe_mode=False``.
        safe_mode: True (default) refuses Lambda layers: Keras stores their code as
            bytecode, which sloi never runs. False takes their functions from
            ``custom_objects`` (by layer name).
        compile: True compiles the model again with the optimizer, loss and metrics the
            file names, when it names them; a ``.keras`` file's optimizer also gets its saved
            state back (see ``keras_optimizer``; one that does not match warns and restarts).

    Raises:
        FileFormatError: not a Keras model file, a damaged one, weights that do not fit, a
            layer class or argument sloi does not support (named), or a config describing a
            model larger than the weights the file holds.
        ValueError: a refused Lambda layer (``safe_mode``).
        ImportError: h5py is not installed.
    """
    path = saving_api.file_path(path, "load_keras_model")
    weights_h5 = None
    if _read_head(path).startswith(b"PK"):
        model, compile_config, weights_h5 = _load_keras_archive(path, custom_objects,
                                                                safe_mode)
        translate = translate_compile_config
    else:
        model, compile_config = _load_legacy_h5(path, custom_objects, safe_mode)
        translate = translate_training_config
    if compile and compile_config:
        _compile(model, compile_config, translate, custom_objects, path)
        if getattr(model, "optimizer", None) is not None and weights_h5 is not None:
            _restore_optimizer(model, weights_h5, f"{path}:model.weights.h5")
    return model


def load_keras_weights(model, path, skip_mismatch=False, by_name=False) -> None:
    """Set ``model``'s weights from a Keras weights file; nothing changes unless all fit.

    Args:
        model: a built sloi model with the architecture the file was saved from.
        path: a Keras 3 ``.weights.h5`` file, a ``.keras`` archive, or a legacy ``.h5``
            weights or model file.
        skip_mismatch: leave the layers whose weights do not fit as they are (with a
            warning) instead of refusing the file.
        by_name: pair a legacy ``.h5`` file's layers with the model's by name rather than by
            order (Keras 3's files pair by the model's structure).
    """
    path = saving_api.file_path(path, "load_keras_weights")
    if not model.weights and not model.built:  # built without weights: nothing to load
        raise ValueError(f'Model "{model.name}" has no weights yet (it is not built), so '
                         f'"{path}" cannot be loaded into it: build it first (call it on data, '
                         "or model.build(input_shape))")
    if _read_head(path).startswith(b"PK"):
        members = _archive_members(path)
        source = f"{path}:model.weights.h5"
        with keras_h5.open_h5(members["model.weights.h5"], source) as root:
            _refuse_by_name(by_name, source)
            pairs = keras_h5.keras3_pairs(model, root, source)
    else:
        with keras_h5.open_h5(path, path) as root, keras_h5.reading(path):
            pairs = _weights_file_pairs(model, root, path, by_name)
    keras_h5.check_and_apply(pairs, model, path, skip_mismatch)


# ---------------------------------------------------------------------------- reading
def _read_head(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read(8)


def _archive_members(path: str) -> dict:
    with open(path, "rb") as f:
        data = f.read()
    return archive.read_zip(data, path, _KERAS_MEMBERS, _KERAS_REQUIRED, _WHAT)


def _json(text, source: str, what: str):
    if not isinstance(text, (str, bytes, bytearray)):
        raise FileFormatError(f'"{source}": {what} is not JSON text')
    return archive.parse_json(text, source, what)  # size and depth capped


def _major_version(version, source: str) -> int:
    """2 or 3 from a ``keras_version`` ("2.13.1", "3.15.1"); Keras 1 files are refused."""
    try:
        major = int(str(version).split(".")[0])
    except ValueError:
        return 3
    if major < 2:
        raise FileFormatError(f'"{source}" was saved by Keras {version}; sloi reads files of '
                              "Keras 2 and 3 (load it in Keras 2 and save it again)")
    return major


def _load_keras_archive(path, custom_objects, safe_mode):
    members = _archive_members(path)
    metadata = {}
    if "metadata.json" in members:
        metadata = _json(members["metadata.json"], path, "metadata.json")
    version = metadata.get("keras_version") if isinstance(metadata, dict) else None
    major = _major_version(version, path) if version is not None else 3
    config = _json(members["config.json"], path, "config.json")
    compile_config = config.pop("compile_config", None) if isinstance(config, dict) else None
    source = f"{path}:model.weights.h5"
    with keras_h5.open_h5(members["model.weights.h5"], source) as root:
        with allocation.weight_budget(h5_reading.held_bytes(root, source), f'"{path}"',
                                      FileFormatError):
            model = _build(config, major, custom_objects, safe_mode, path)
        pairs = keras_h5.keras3_pairs(model, root, source)
    keras_h5.check_and_apply(pairs, model, source, skip_mismatch=False)
    return model, compile_config, members["model.weights.h5"]


def _restore_optimizer(model, weights_h5: bytes, source: str) -> None:
    """The compiled model's optimizer takes the state under ``optimizer/vars``, as Keras's
    loader gives it (Keras builds the optimizer when it compiles a loaded model)."""
    with keras_h5.open_h5(weights_h5, source) as root, keras_h5.reading(source):
        found = read_keras_optimizer(root, source)
        # No arrays at all (a file saved before training, or an optimizer whose state its
        # writer left out): Keras warns then too, as the counts differ.
        restore_keras_optimizer(model.optimizer, list(model.trainable_weights), found or [],
                                source)


def _load_legacy_h5(path, custom_objects, safe_mode):
    with keras_h5.open_h5(path, path) as root:
        text = keras_h5.text_attr(root, "model_config", path)
        if text is None:
            with keras_h5.reading(path):
                weights_only = _holds_weights(root)
            hint = (" It holds weights only: build the model and call "
                    "model.load_weights(path).") if weights_only else ""
            raise FileFormatError(f'"{path}" is an HDF5 file but not a Keras model: it has no '
                                  f"model_config attribute.{hint}")
        version = keras_h5.text_attr(root, "keras_version", path)
        major = _major_version(version, path) if version is not None else 2
        with allocation.weight_budget(h5_reading.held_bytes(root, path), f'"{path}"',
                                      FileFormatError):
            model = _build(_json(text, path, "model_config"), major, custom_objects,
                           safe_mode, path)
        group = keras_h5.child(root, "model_weights", path, "group")
        if group is None:
            raise FileFormatError(f'"{path}" holds a model config but no model_weights group '
                                  "(it was saved without weights, or is damaged)")
        pairs = keras_h5.legacy_pairs(model, group, path)
        keras_h5.check_and_apply(pairs, model, path, skip_mismatch=False)
        training = keras_h5.text_attr(root, "training_config", path)
    return model, training


def _holds_weights(root) -> bool:
    return "layer_names" in root.attrs or "layers" in root or "vars" in root


def _weights_file_pairs(model, root, path: str, by_name: bool):
    """The pairs of whatever layout an HDF5 weights file has."""
    if "layer_names" in root.attrs or "layer_names0" in root.attrs:  # legacy save_weights
        return keras_h5.legacy_pairs(model, root, path, by_name)
    group = keras_h5.child(root, "model_weights", path)
    if group is not None:  # a legacy full model
        return keras_h5.legacy_pairs(model, group, path, by_name)
    if "layers" in root or "vars" in root:  # Keras 3
        _refuse_by_name(by_name, path)
        return keras_h5.keras3_pairs(model, root, path)
    raise FileFormatError(f'"{path}" is an HDF5 file but holds no Keras weights (expected a '
                          "Keras 3 layers/ group or a legacy layer_names attribute; it has "
                          f"{sorted(root.keys())[:10]})")


def _refuse_by_name(by_name: bool, source: str) -> None:
    if by_name:
        raise ValueError(f'"{source}": by_name=True applies to legacy .h5 files only; Keras 3 '
                         "files pair weights by the model's structure")


# ---------------------------------------------------------------------------- building
def _build(config, keras_major, custom_objects, safe_mode, source):
    custom_names = set(registry.all_custom_objects(custom_objects))
    config = translate_model_config(config, source, keras_major=keras_major,
                                    safe_mode=safe_mode, custom_names=custom_names)
    with registry.custom_object_scope(custom_objects), SafeModeScope(safe_mode):
        return saving_api.model_from_file_config(config, custom_objects, safe_mode, f'"{source}"')


def _compile(model, compile_config, translate, custom_objects, source) -> None:
    """Compile with the saved arguments. What sloi cannot rebuild (an optimizer or metric
    it lacks) leaves the model uncompiled with a warning rather than refusing the file, as
    Keras would: the model and its weights are loaded, and usable for prediction."""
    try:
        ctx = de.DecodingContext(custom_objects)
        model.compile(**deserialize_compile_config(translate(compile_config), ctx))
    except (ValueError, TypeError, KeyError, NotImplementedError) as e:
        warnings.warn(f'"{source}": the model is loaded but not compiled, because its saved '
                      f"training configuration cannot be rebuilt in sloi ({e}). Compile it "
                      "yourself (model.compile(optimizer=..., loss=...)), or load it with "
                      "compile=False to skip this", stacklevel=3)


# ---------------------------------------------------------------------------- compiling
_OPTIMIZER_ONLY_KERAS = ("is_legacy_optimizer", "jit_compile")


def translate_training_config(training) -> dict:
    """A legacy ``.h5`` file's ``training_config`` (JSON text or parsed, Keras 2 or 3) as a
    Keras 3 compile config.

    Optimizer state is not restored, so only the optimizer's class and hyper-parameters
    matter; Keras 2's ``"Custom>Adam"`` class names and ``is_legacy_optimizer`` flags go.
    """
    if isinstance(training, str):
        training = _json(training, "training_config", "the text")
    if not isinstance(training, dict):
        raise ValueError(f"a training config must be a dict; got {type(training).__name__}")
    optimizer = training.get("optimizer_config")
    if isinstance(optimizer, dict):
        optimizer = dict(optimizer)
        optimizer["class_name"] = str(optimizer.get("class_name", "")).split(">", 1)[-1]
        params = {k: v for k, v in (optimizer.get("config") or {}).items()
                  if k not in _OPTIMIZER_ONLY_KERAS}
        optimizer["config"] = params
    compile_config = {"optimizer": optimizer if optimizer is not None else "rmsprop"}
    compile_config["loss"] = _losses(training.get("loss"))
    compile_config["metrics"] = _metrics(training.get("metrics"))
    compile_config["weighted_metrics"] = _metrics(training.get("weighted_metrics"))
    for key in ("loss_weights", "run_eagerly", "steps_per_execution", "jit_compile"):
        if training.get(key) is not None:
            compile_config[key] = training[key]
    return compile_config


def translate_compile_config(config: dict) -> dict:
    """A ``.keras`` file's compile config, with Keras 2's loss / metric spellings translated."""
    if not isinstance(config, dict):
        raise ValueError(f"a compile config must be a dict; got {type(config).__name__}")
    config = without_shared_ids(dict(config))
    if isinstance(config.get("optimizer"), dict):
        optimizer = dict(config["optimizer"])
        optimizer["config"] = {k: v for k, v in (optimizer.get("config") or {}).items()
                               if k not in _OPTIMIZER_ONLY_KERAS}
        config["optimizer"] = optimizer
    config["loss"] = _losses(config.get("loss"))
    for key in ("metrics", "weighted_metrics"):
        config[key] = _metrics(config.get(key))
    return config


def _losses(spec):
    if isinstance(spec, list):
        return [_losses(s) for s in spec]
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _losses(v) for k, v in spec.items()}
    if isinstance(spec, dict) and isinstance(spec.get("config"), dict):
        config = dict(spec["config"])
        if config.get("reduction") == "auto":  # Keras 2's default reduction
            config["reduction"] = "sum_over_batch_size"
        return {**spec, "config": config}
    return spec


def _metrics(spec):
    """Keras 2 per-output metric lists ``[[...]]`` of ``MeanMetricWrapper`` dicts -> names."""
    if isinstance(spec, list):
        items = [_metrics(s) for s in spec]
        if len(items) == 1 and isinstance(items[0], list):
            return items[0]  # one output
        return items
    if isinstance(spec, dict) and "class_name" not in spec:
        return {k: _metrics(v) for k, v in spec.items()}
    if isinstance(spec, dict) and spec.get("class_name") == "MeanMetricWrapper":
        config = spec.get("config") or {}
        return config.get("name") or config.get("fn")
    return spec


# ---------------------------------------------------------------------------- hooks
def _model_loader(path, custom_objects=None, compile=True, safe_mode=True):
    return load_keras_model(path, custom_objects=custom_objects, safe_mode=safe_mode,
                            compile=compile)


def _weights_loader(model, path, skip_mismatch=False, by_name=False, **kwargs):
    if kwargs:
        raise TypeError(f"load_weights() got unexpected arguments {sorted(kwargs)}")
    load_keras_weights(model, path, skip_mismatch=skip_mismatch, by_name=by_name)


def register() -> None:
    """Make ``load_model`` read ``.keras`` / ``.h5`` and ``load_weights`` read
    ``.weights.h5`` / ``.h5`` / ``.keras`` files."""
    for suffix in (".keras", ".h5", ".hdf5"):
        saving_api.register_model_loader(suffix, _model_loader)
    for suffix in (".weights.h5", ".h5", ".hdf5", ".keras"):
        saving_api.register_weights_loader(suffix, _weights_loader)


register()
