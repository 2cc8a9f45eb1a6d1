"""Dtype names as Keras spells them (``"float32"``) and as torch knows them (``torch.float32``)."""

import numpy as np
import torch

from sloi import settings

_BY_NAME = {
    "float16": torch.float16,
    "bfloat16": torch.bfloat16,
    "float32": torch.float32,
    "float64": torch.float64,
    "int8": torch.int8,
    "int16": torch.int16,
    "int32": torch.int32,
    "int64": torch.int64,
    "uint8": torch.uint8,
    "bool": torch.bool,
    "complex64": torch.complex64,
}
_ALIASES = {"float": "float32", "double": "float64", "int": "int64", "half": "float16"}
_BY_DTYPE = {v: k for k, v in _BY_NAME.items()}


class StringDType:
    """The dtype of a symbolic tensor that stands for strings: an ``Input(dtype="string")``.

    torch has no string tensors, so at run time such a tensor's value is a numpy array of
    ``str`` (or ``bytes``, or objects holding them) that stays on the host; only the layers of
    the string stage (TextVectorization, StringLookup, Hashing) read it. It answers the
    questions asked of a ``torch.dtype`` (``is_floating_point``...) as a non-number would.
    """

    is_floating_point = False
    is_complex = False
    is_signed = False

    def __repr__(self):
        return "string"

    __str__ = __repr__

    def __reduce__(self):
        return "STRING"  # one instance, also after copy / pickle


STRING = StringDType()


def is_string_dtype(dtype) -> bool:
    """``"string"`` (Keras's name), ``"str"``, ``STRING``, or a numpy str / bytes dtype."""
    if dtype is STRING or (isinstance(dtype, str) and dtype in ("string", "str")):
        return True
    if isinstance(dtype, (torch.dtype, dict)) or dtype is None:
        return False
    try:
        return np.dtype(dtype).kind in "US"
    except TypeError:
        return False


def standardize_dtype(dtype) -> torch.dtype:
    """Accept ``"float32"``, ``torch.float32``, ``np.float32`` or ``None`` (float32)."""
    if dtype is None:
        return _BY_NAME[settings.floatx()]
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, dict):  # Keras 3 serializes a DTypePolicy as a dict
        dtype = dtype.get("config", {}).get("name", "float32")
    if not isinstance(dtype, str):
        dtype = np.dtype(dtype).name
    if dtype in ("string", "str"):
        raise ValueError(
            'dtype "string" is only for a model\'s inputs (torch tensors hold numbers only): '
            'start the model with Input(shape=(1,), dtype="string") followed by '
            "TextVectorization, StringLookup or Hashing, which turn the strings into numbers"
        )
    dtype = _ALIASES.get(dtype, dtype)
    if dtype.startswith("mixed_"):  # Keras mixed policies: variables stay float32
        dtype = "float32"
    if dtype not in _BY_NAME:
        raise ValueError(f"Unknown dtype {dtype!r}; expected one of {sorted(_BY_NAME)}")
    return _BY_NAME[dtype]


def dtype_name(dtype: torch.dtype) -> str:
    """``torch.float32`` -> ``"float32"``."""
    return _BY_DTYPE.get(dtype, str(dtype).replace("torch.", ""))


# ---------------------------------------------------------------------------- promotion
# Keras 3's type promotion (JAX's lattice): each type points to the types just above it.
# "int" and "float" are Python's weak numbers: they adapt to the tensor they meet
# (int8 + 1 stays int8; float16 * 0.5 stays float16) and become int32 / float32 alone.
_ABOVE = {
    "bool": ["int"],
    "int": ["uint8", "int8"],
    "uint8": ["int16", "uint16"], "uint16": ["int32", "uint32"], "uint32": ["int64", "uint64"],
    "uint64": ["float"],
    "int8": ["int16"], "int16": ["int32"], "int32": ["int64"], "int64": ["float"],
    "float": ["bfloat16", "float16", "complex64"],
    "bfloat16": ["float32"], "float16": ["float32"], "float32": ["float64", "complex64"],
    "float64": ["complex128"], "complex64": ["complex128"], "complex128": [],
}


def _upper_set(name: str) -> frozenset:
    seen, todo = {name}, [name]
    while todo:
        for up in _ABOVE[todo.pop()]:
            if up not in seen:
                seen.add(up)
                todo.append(up)
    return frozenset(seen)


_UPPER = {name: _upper_set(name) for name in _ABOVE}


def _lattice_name(dtype) -> str:
    if dtype is bool:
        return "bool"
    if dtype is int or dtype == "int":
        return "int"
    if dtype is float or dtype == "float":
        return "float"
    if dtype is complex:
        return "complex64"
    if isinstance(dtype, torch.dtype):
        return dtype_name(dtype)
    name = dtype if isinstance(dtype, str) else np.dtype(dtype).name
    return _ALIASES.get(name, name)


def result_type(*dtypes) -> torch.dtype:
    """The dtype Keras's ``backend.result_type`` gives an operation on ``dtypes`` (torch,
    numpy or Keras dtypes, or the Python types ``bool`` / ``int`` / ``float`` for Python
    numbers). As in Keras, a 64-bit join comes back in 32 bits (float64 -> float32); ops that
    let torch promote keep 64-bit inputs in 64 bits."""
    if not dtypes:
        return torch.float32
    names = [_lattice_name(d) for d in dtypes]
    for name in names:
        if name not in _UPPER:
            raise ValueError(f"Unknown dtype {name!r} in result_type{tuple(names)}")
    common = frozenset.intersection(*(_UPPER[n] for n in names))
    joined = next(n for n in common if _UPPER[n] == common)
    joined = {"int": "int32", "float": settings.floatx()}.get(joined, joined)
    # Keras's last step (JAX without x64): no 64-bit results
    joined = {"float64": "float32", "int64": "int32", "uint64": "uint32",
              "complex128": "complex64"}.get(joined, joined)
    if joined in ("uint16", "uint32"):
        return getattr(torch, joined)
    return _BY_NAME[joined]
