"""``save_model`` / ``load_model``, ``save_weights`` / ``load_weights``, ``to_json`` /
``model_from_json``.

The native format, ``.sloi``, is one zip archive (written atomically) with:

- ``config.json``: the model, as ``serialize_keras_object`` writes it, with its
  ``compile_config`` (optimizer, losses, metrics);
- ``model.safetensors``: the weights (see ``weights_file``);
- ``optimizer.safetensors`` + ``optimizer.json``: the optimizer's state, tensors and the rest;
- ``metadata.json``: format, sloi and torch versions, date.

Loading rebuilds the model from its config, loads the weights, compiles it again and gives
the optimizer its state, so that ``fit`` goes on exactly where it stopped. Other formats
(Keras's ``.keras``, ``.h5`` and ``.weights.h5``, see ``keras_import`` and ``keras_writer``)
plug in through ``register_model_loader`` / ``register_weights_loader`` and
``register_model_saver`` / ``register_weights_saver``; the file's name picks the format.
"""

from __future__ import annotations

import datetime
import json
import os
import sys

import numpy as np
import torch

from sloi import optimizers
from sloi.engine import Layer, allocation
from sloi.saving import archive, optimizer_state, weights_file
from sloi.saving import deserialization as de
from sloi.saving import serialization as ser
from sloi.saving.compile_config import deserialize_compile_config, get_compile_config
from sloi.saving.errors import FileFormatError
from sloi.saving.object_registration import custom_object_scope

MODEL_SUFFIX = ".sloi"
WEIGHTS_SUFFIX = ".weights.safetensors"
FORMAT = "sloi"
FORMAT_VERSION = 1
_MEMBERS = ("metadata.json", "config.json", "model.safetensors", "optimizer.safetensors",
            "optimizer.json")
_REQUIRED = ("metadata.json", "config.json", "model.safetensors")

_model_loaders: dict = {}  # suffix -> fn(path, custom_objects=, compile=, safe_mode=)
_weights_loaders: dict = {}  # suffix -> fn(model, path, skip_mismatch=, by_name=)
_model_savers: dict = {}  # suffix -> fn(model, path)
_weights_savers: dict = {}  # suffix -> fn(model, path)


def register_model_loader(suffix: str, loader) -> None:
    """Let ``load_model`` read files ending in ``suffix`` (``".keras"``) with ``loader(path,
    custom_objects=..., compile=..., safe_mode=...)``."""
    _model_loaders[suffix.lower()] = loader


def register_weights_loader(suffix: str, loader) -> None:
    """Let ``load_weights`` read files ending in ``suffix`` (``".weights.h5"``) with
    ``loader(model, path, skip_mismatch=..., by_name=...)``."""
    _weights_loaders[suffix.lower()] = loader


def register_model_saver(suffix: str, saver) -> None:
    """Let ``save_model`` write files ending in ``suffix`` (``".keras"``) with
    ``saver(model, path)``; the saver writes atomically and refuses before writing."""
    _model_savers[suffix.lower()] = saver


def register_weights_saver(suffix: str, saver) -> None:
    """Let ``save_weights`` write files ending in ``suffix`` (``".weights.h5"``) with
    ``saver(model, path)``."""
    _weights_savers[suffix.lower()] = saver


def file_path(filepath, what: str) -> str:
    """``filepath`` as a str; a TypeError naming ``what`` (the calling function) for anything
    that is not a path."""
    if not isinstance(filepath, (str, os.PathLike)):
        raise TypeError(f"{what} expects a file path (str or pathlib.Path); got "
                        f"{type(filepath).__name__}")
    return os.fspath(filepath)


def _registered(loaders: dict, path: str):
    suffix = _suffix(loaders, path)
    return loaders[suffix] if suffix else None


def _suffix(loaders: dict, path: str) -> str:
    """The longest of ``loaders``' suffixes that ``path`` ends in, or ``""``."""
    lowered = path.lower()
    return max((s for s in loaders if lowered.endswith(s)), key=len, default="")


def _read(path: str) -> bytes:
    with open(path, "rb") as f:
        return f.read()


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    if isinstance(value, torch.Size):
        return list(value)
    raise TypeError(f"a value of type {type(value).__name__} ({value!r}) cannot be stored in "
                    "JSON: a get_config() must return plain values")


def _dumps(value, **kwargs) -> str:
    return json.dumps(value, default=_json_default, **kwargs)


# ---------------------------------------------------------------------------- JSON
def to_json(model, **kwargs) -> str:
    """``model.to_json()``: the serialized model as JSON (``json.dumps`` keyword arguments
    such as ``indent`` are passed on)."""
    return _dumps(ser.serialize_keras_object(model), **kwargs)


def model_from_json(json_string, custom_objects=None, safe_mode=True):
    """The model ``to_json`` described, with new weights.

    Args:
        json_string: what ``model.to_json()`` returned.
        custom_objects: ``{"Name": class_or_function}`` for what is not sloi's own.
        safe_mode: False lets Lambda layers load (functions from ``custom_objects``).
    """
    if not isinstance(json_string, (str, bytes, bytearray)):
        raise FileFormatError("model_from_json expects a JSON string; it is not one: got "
                              f"{type(json_string).__name__}")
    try:  # depth capped (deep nesting gave RecursionError); size not: the text is the caller's
        config = archive.parse_json(json_string, "model_from_json", "the text", sys.maxsize)
    except FileFormatError as e:
        raise FileFormatError(f"model_from_json expects a JSON string; it is not one: {e}") from e
    return model_from_file_config(config, custom_objects, safe_mode, "model_from_json")


def model_from_file_config(config, custom_objects, safe_mode, source: str):
    """The model a config read from ``source`` (a file or a JSON string) describes; anything
    that does not describe a model sloi can build is a ``FileFormatError`` naming ``source``."""
    if not isinstance(config, dict) or not isinstance(config.get("class_name"), str) or (
            not isinstance(config.get("config"), dict)):
        found = sorted(config)[:10] if isinstance(config, dict) else type(config).__name__
        raise FileFormatError(
            f'{source}: expected a model config {{"class_name": ..., "config": {{...}}}}; '
            f"found {found}"
        )
    try:
        model = de.deserialize_keras_object(config, custom_objects, safe_mode)
    except FileFormatError:
        raise
    except (TypeError, KeyError, AttributeError, IndexError, RecursionError, ValueError,
            OverflowError) as e:
        raise FileFormatError(f"{source}: the config does not describe a model sloi can build "
                              f"({type(e).__name__}: {e})") from e
    if not isinstance(model, Layer):
        raise FileFormatError(f"{source}: expected a model config; it describes a "
                              f"{type(model).__name__}")
    return model


# ---------------------------------------------------------------------------- weights
def save_weights(model, filepath, overwrite=True) -> None:
    """``model.save_weights(path)``: the weights to a ``.weights.safetensors`` file (or a
    format registered with ``register_weights_saver``, such as Keras's ``.weights.h5``)."""
    path = file_path(filepath, "save_weights")
    saver = _registered(_weights_savers, path)
    if saver is not None:
        _check_overwrite(path, overwrite)
        return saver(model, path)
    if not path.endswith(WEIGHTS_SUFFIX):
        supported = [WEIGHTS_SUFFIX] + sorted(_weights_savers)
        raise ValueError(f"save_weights: the file name must end in one of {supported}; got "
                         f'"{path}"')
    _check_overwrite(path, overwrite)
    archive.atomic_write_bytes(path, weights_file.weights_to_bytes(model))


def load_weights(model, filepath, skip_mismatch=False, by_name=False, **kwargs) -> None:
    """``model.load_weights(path)`` from a ``.weights.safetensors`` or ``.sloi`` file (or a
    format registered with ``register_weights_loader``)."""
    path = file_path(filepath, "load_weights")
    loader = _registered(_weights_loaders, path)
    if loader is not None:
        return loader(model, path, skip_mismatch=skip_mismatch, by_name=by_name, **kwargs)
    if kwargs:
        raise TypeError(f"load_weights() got unexpected arguments {sorted(kwargs)}")
    if path.endswith(".safetensors"):
        data, source = _read(path), path
    elif path.endswith(MODEL_SUFFIX):
        members = archive.read_zip(_read(path), path, ("model.safetensors",), _REQUIRED,
                                   "a sloi model file")
        data, source = members["model.safetensors"], f"{path}:model.safetensors"
    else:
        supported = [WEIGHTS_SUFFIX, MODEL_SUFFIX] + sorted(_weights_loaders)
        raise ValueError(f'load_weights: cannot read "{path}": expected a file ending in one of '
                         f"{supported}")
    tensors, index = weights_file.read_weights(data, source)
    weights_file.load_into(model, tensors, index, source, skip_mismatch, by_name)


# ---------------------------------------------------------------------------- models
def save_model(model, filepath, overwrite=True, include_optimizer=True, **kwargs) -> None:
    """``model.save(path)``: everything needed to rebuild and go on training, in one ``.sloi``
    file; or, for a name ending in a suffix registered with ``register_model_saver``
    (``.keras``, ``.h5``), the model in that format (``.keras`` keeps the optimizer state of
    the optimizers whose Keras layout sloi knows, ``.h5`` none).

    Args:
        model: the model.
        filepath: a path ending in ``.sloi`` (or ``.keras`` / ``.h5``).
        overwrite: False refuses to replace an existing file.
        include_optimizer: False leaves out the optimizer state (the compile arguments stay).
    """
    path = file_path(filepath, "save_model")
    kwargs.pop("zipped", None)  # Keras 3's option; a .sloi file is always a zip
    if kwargs:
        raise TypeError(f"save_model() got unexpected arguments {sorted(kwargs)}")
    saver = _registered(_model_savers, path)
    # "x.h5" is a model, "x.weights.h5" weights: the longer suffix tells
    if saver is not None and len(_suffix(_model_savers, path)) >= len(
            _suffix(_weights_savers, path)):
        _check_overwrite(path, overwrite)
        return saver(model, path)
    if not path.endswith(MODEL_SUFFIX):
        supported = [MODEL_SUFFIX] + sorted(_model_savers)
        raise ValueError(
            f"save_model: sloi saves models in files ending in one of {supported}; got "
            f'"{path}" (weights alone: model.save_weights("name{WEIGHTS_SUFFIX}"))'
        )
    _check_overwrite(path, overwrite)
    archive.write_zip(path, model_members(model, include_optimizer))


def _check_overwrite(path: str, overwrite: bool) -> None:
    if not overwrite and os.path.exists(path):
        raise FileExistsError(f'"{path}" exists; pass overwrite=True to replace it')


def model_members(model, include_optimizer=True) -> dict:
    """The members of a ``.sloi`` archive, as bytes."""
    config = ser.serialize_keras_object(model)
    compile_config = get_compile_config(model)
    if compile_config is not None:
        config["compile_config"] = compile_config
    members = {
        "metadata.json": _dumps(_metadata()).encode(),
        "config.json": _dumps(config).encode(),
        "model.safetensors": weights_file.weights_to_bytes(model),
    }
    optimizer = model.optimizer if compile_config is not None else None
    if include_optimizer and optimizer is not None:
        tensors, text = optimizer_state.to_bytes(optimizer.state_dict())
        members["optimizer.safetensors"], members["optimizer.json"] = tensors, text
    return members


def _metadata() -> dict:
    sloi = sys.modules.get("sloi")
    return {"format": FORMAT, "format_version": FORMAT_VERSION,
            "sloi_version": getattr(sloi, "__version__", "unknown"),
            "torch_version": torch.__version__,
            "date_saved": datetime.datetime.now(datetime.timezone.utc).isoformat()}


def load_model(filepath, custom_objects=None, compile=True, safe_mode=True):
    """The model a ``.sloi`` file holds (or a format registered with
    ``register_model_loader``), with its weights, compiled again with its optimizer state.

    Args:
        filepath: the file.
        custom_objects: ``{"Name": class_or_function}`` for what is not sloi's own.
        compile: False gives the model uncompiled.
        safe_mode: True (default) refuses Lambda layers; False accepts them, with their
            functions from ``custom_objects``.

    Raises:
        FileFormatError: a file that is not a sloi model, is damaged, or does not fit.
    """
    path = file_path(filepath, "load_model")
    loader = _registered(_model_loaders, path)
    if loader is not None:
        return loader(path, custom_objects=custom_objects, compile=compile, safe_mode=safe_mode)
    if not path.endswith(MODEL_SUFFIX):
        supported = [MODEL_SUFFIX] + sorted(_model_loaders)
        raise ValueError(f'load_model: cannot read "{path}": expected a file ending in one of '
                         f"{supported}")
    members = read_model_file(path)
    config = members["config.json"]
    with custom_object_scope(custom_objects), ser.SafeModeScope(safe_mode):
        held = len(members["model.safetensors"])
        with allocation.weight_budget(held, f'"{path}"', FileFormatError):
            model = model_from_file_config(config, custom_objects, safe_mode, f'"{path}"')
        tensors, index = weights_file.read_weights(members["model.safetensors"],
                                                   f"{path}:model.safetensors")
        weights_file.load_into(model, tensors, index, f"{path}:model.safetensors")
        compile_config = config.get("compile_config")
        if compile and compile_config is not None:
            _compile_and_restore(model, compile_config, members, path)
    return model


def read_model_file(path: str) -> dict:
    """The members of a ``.sloi`` file, JSON members parsed; refuses foreign files."""
    members = archive.read_zip(_read(path), path, _MEMBERS, _REQUIRED,
                               "a sloi model file (.sloi)")
    for name in ("metadata.json", "config.json"):
        members[name] = _json_member(members[name], path, name)
    metadata = members["metadata.json"]
    found = metadata.get("format") if isinstance(metadata, dict) else metadata
    if found != FORMAT:
        raise FileFormatError(f'"{path}" is not a sloi model file: its metadata.json says '
                              f"format {found!r}, expected {FORMAT!r}")
    version = metadata.get("format_version")
    if not isinstance(version, int) or version > FORMAT_VERSION:
        raise FileFormatError(f'"{path}" has format version {version!r}; this sloi reads '
                              f"versions up to {FORMAT_VERSION}")
    if ("optimizer.json" in members) != ("optimizer.safetensors" in members):
        raise FileFormatError(f'"{path}": the optimizer state needs both optimizer.json and '
                              f"optimizer.safetensors; the file has only one of them")
    return members


def _json_member(data: bytes, path: str, name: str):
    return archive.parse_json(data, path, name)  # size and depth capped


def _compile_and_restore(model, compile_config, members, path) -> None:
    ctx = de.DecodingContext()
    try:
        kwargs = deserialize_compile_config(compile_config, ctx)
    except FileFormatError:
        raise
    except (TypeError, KeyError, AttributeError, ValueError, RecursionError) as e:
        raise FileFormatError(f'"{path}": config.json: the compile config cannot be read '
                              f"({type(e).__name__}: {e})") from e
    state = None
    if "optimizer.json" in members:
        state = optimizer_state.from_bytes(members["optimizer.safetensors"],
                                           members["optimizer.json"], f"{path}:optimizer")
        optimizer_state.check_against(
            lambda: optimizers.get(deserialize_compile_config(compile_config, ctx)["optimizer"]),
            state, list(model.trainable_weights), f"{path}:optimizer")
    try:
        model.compile(**kwargs)
    except (TypeError, KeyError, AttributeError, ValueError) as e:
        raise FileFormatError(f'"{path}": config.json: the compile config is refused by '
                              f"compile() ({type(e).__name__}: {e})") from e
    if state is not None:
        model.optimizer.load_state_dict(state)  # restored when fit builds the optimizer
