"""Finding initializers: by name (Keras 3's class names, their snake_case, older spellings),
from configs (`serialize` / `deserialize`), or as a fixed value given as a tensor or array."""

import inspect
import re

import numpy as np
import torch

from sloi.initializers.initializers import (
    Constant,
    GlorotNormal,
    GlorotUniform,
    HeNormal,
    HeUniform,
    Identity,
    LecunNormal,
    LecunUniform,
    Ones,
    Orthogonal,
    RandomNormal,
    RandomUniform,
    TruncatedNormal,
    VarianceScaling,
    Zeros,
    _to_dtype,
    _to_shape,
)
from sloi.initializers.stft import STFT

_CLASSES = (
    Zeros, Ones, Constant, Identity, RandomNormal, RandomUniform, TruncatedNormal,
    VarianceScaling, GlorotUniform, GlorotNormal, HeUniform, HeNormal, LecunUniform,
    LecunNormal, Orthogonal,
)
_BY_NAME = {
    **{cls.__name__: cls for cls in _CLASSES},
    # snake_case of every class name: GlorotUniform -> "glorot_uniform".
    **{re.sub(r"(?<!^)(?=[A-Z])", "_", cls.__name__).lower(): cls for cls in _CLASSES},
    # Older Keras spellings that Keras 3 still accepts.
    "IdentityInitializer": Identity, "OrthogonalInitializer": Orthogonal,
    "normal": RandomNormal, "uniform": RandomUniform, "one": Ones, "zero": Zeros,
    # an acronym: not snake-cased letter by letter
    "STFT": STFT, "STFTInitializer": STFT, "stft": STFT,
}


def _lookup(name):
    cls = _BY_NAME.get(name)
    if cls is None:
        raise ValueError(
            f"Unknown initializer {name!r}. Known initializers: {', '.join(sorted(_BY_NAME))}."
        )
    return cls


def _fixed_value(value):
    """An initializer that returns a copy of `value`, for a tensor or array given as such."""
    value = torch.as_tensor(value)

    def initialize(shape, dtype=None):
        if _to_shape(shape) != tuple(value.shape):
            raise ValueError(
                f"This initializer is the fixed value of shape {tuple(value.shape)}; it "
                f"cannot fill shape {_to_shape(shape)}."
            )
        return value.to(dtype=_to_dtype(dtype), device="cpu", copy=True)

    return initialize


def get(identifier):
    """Returns an initializer for `identifier`.

    Args:
        identifier: None (returned as is), a name ("glorot_uniform", "GlorotUniform", ...),
            a dict `{"class_name": ..., "config": {...}}`, an Initializer class (instantiated
            with defaults) or instance, a callable `f(shape, dtype=None)`, or a tensor / numpy
            array used as the exact value.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, (torch.Tensor, np.ndarray, np.generic)):
        return _fixed_value(identifier)
    if inspect.isclass(identifier):
        return identifier()
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret initializer identifier {identifier!r}.")


def serialize(initializer):
    """Returns `{"class_name": ..., "config": {...}}` (None for None; a plain function gives
    `{"class_name": "function", "config": its name}`)."""
    if initializer is None:
        return None
    if hasattr(initializer, "get_config"):
        return {"class_name": type(initializer).__name__, "config": initializer.get_config()}
    return {"class_name": "function", "config": getattr(initializer, "__name__", None)}


def deserialize(config, custom_objects=None):
    """Inverse of `serialize`; `custom_objects` maps class or function names to user ones."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        return get(custom_objects.get(config, config))
    class_name = config.get("class_name")
    inner = config.get("config") or {}
    if class_name == "function" and isinstance(inner, str):
        return custom_objects[inner] if inner in custom_objects else get(inner)
    cls = custom_objects.get(class_name) or _lookup(class_name)
    return cls.from_config(inner) if hasattr(cls, "from_config") else cls(**inner)
