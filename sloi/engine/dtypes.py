"""Dtype names as Keras spells them (``"float32"``) and as torch knows them (``torch.float32``)."""

import numpy as np
import torch

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


def standardize_dtype(dtype) -> torch.dtype:
    """Accept ``"float32"``, ``torch.float32``, ``np.float32`` or ``None`` (float32)."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    if isinstance(dtype, dict):  # Keras 3 serializes a DTypePolicy as a dict
        dtype = dtype.get("config", {}).get("name", "float32")
    if not isinstance(dtype, str):
        dtype = np.dtype(dtype).name
    if dtype in ("string", "str"):
        raise ValueError(
            "sloi has no string dtype (torch tensors hold numbers only), so "
            'Input(dtype="string") is not supported: turn the texts into token ids before the '
            "model (x = TextVectorization(...)(texts)) and start the model with "
            'Input(shape=(sequence_length,), dtype="int64")'
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
