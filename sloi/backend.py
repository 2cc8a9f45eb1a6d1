"""``sloi.backend``: Keras 3's small ``keras.backend`` module (the backend is torch)."""

from __future__ import annotations

import gc

import torch

from sloi.engine import naming
from sloi.engine.dtypes import dtype_name
from sloi.engine.dtypes import result_type as _result_type
from sloi.engine.dtypes import standardize_dtype as _standardize_dtype
from sloi.engine.symbolic import SymbolicTensor
from sloi.settings import (
    epsilon,
    floatx,
    image_data_format,
    set_epsilon,
    set_floatx,
    set_image_data_format,
)


def backend() -> str:
    """``"torch"``."""
    return "torch"


def clear_session(free_memory=True) -> None:
    """Forget the auto-names given so far (the next Dense is ``dense`` again); with
    ``free_memory``, also collect garbage and release cached CUDA memory."""
    naming.clear_session()
    if free_memory:
        gc.collect()
        if torch.cuda.is_available():
            torch.cuda.empty_cache()


def get_uid(prefix="") -> int:
    """1, 2, 3, ... for successive calls with the same ``prefix`` (reset by
    ``clear_session``)."""
    return naming.get_uid(prefix)


# Keras's names for Python's own types on its torch backend (numpy would say int64 / float64).
_PYTHON_DTYPES = {bool: "bool", int: "int32", float: "float32", complex: "complex64",
                  "int": "int32"}


def standardize_dtype(dtype) -> str:
    """A dtype's Keras name: ``torch.float32``, ``np.float32``, ``"float"`` -> ``"float32"``;
    Python's ``int`` / ``"int"`` -> ``"int32"`` and ``float`` -> ``"float32"``, as Keras 3
    names them on torch; ``None`` -> ``floatx()``."""
    if isinstance(dtype, (type, str)) and dtype in _PYTHON_DTYPES:
        return _PYTHON_DTYPES[dtype]
    return dtype_name(_standardize_dtype(dtype))


def result_type(*dtypes) -> str:
    """The dtype Keras gives an operation on ``dtypes``, by name."""
    return dtype_name(_result_type(*dtypes))


def is_float_dtype(dtype) -> bool:
    return _standardize_dtype(dtype).is_floating_point


def is_int_dtype(dtype) -> bool:
    d = _standardize_dtype(dtype)
    return not d.is_floating_point and not d.is_complex and d != torch.bool


def is_keras_tensor(x) -> bool:
    """Whether ``x`` is a functional-API (symbolic) tensor."""
    return isinstance(x, SymbolicTensor)


__all__ = [
    "backend", "clear_session", "epsilon", "floatx", "get_uid", "image_data_format",
    "is_float_dtype", "is_int_dtype", "is_keras_tensor", "result_type", "set_epsilon",
    "set_floatx", "set_image_data_format", "standardize_dtype",
]
