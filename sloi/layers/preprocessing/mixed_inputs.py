"""Inputs of the layers that take strings as well as numbers (Hashing, HashedCrossing,
StringLookup, IntegerLookup): torch has no string dtype, so strings stay numpy arrays."""

from __future__ import annotations

import numpy as np
import torch

from sloi.engine import tree
from sloi.engine.dtypes import STRING
from sloi.engine.symbolic import SymbolicTensor
from sloi.layers.preprocessing import text_processing


def is_string_data(inputs) -> bool:
    """A str, bytes, a list of them (nested), or a numpy array of str / bytes / objects."""
    if isinstance(inputs, (str, bytes)):
        return True
    if isinstance(inputs, np.ndarray):
        return inputs.dtype.kind in "USO"
    if isinstance(inputs, (list, tuple)):
        first = inputs
        while isinstance(first, (list, tuple)) and first:
            first = first[0]
        return isinstance(first, (str, bytes, np.str_, np.bytes_))
    return False


def string_array(inputs, encoding: str, where: str) -> np.ndarray:
    """Strings as a numpy array of Python str (dtype object), the input's shape."""
    return text_processing.to_string_array(inputs, encoding, where)


def numeric_array(inputs) -> np.ndarray:
    """Numbers (a tensor, array, list or scalar) as a numpy array, on the host."""
    if isinstance(inputs, torch.Tensor):
        return inputs.detach().cpu().numpy()
    return np.asarray(inputs)


def int64_array(inputs, where: str, what: str) -> np.ndarray:
    """Integers (a tensor, array, list or scalar) as an int64 numpy array; other dtypes are
    a TypeError naming ``where`` and ``what`` the integers are."""
    array = numeric_array(inputs)
    if array.dtype.kind not in "iu":
        raise TypeError(f"{where} expects integer {what}; got dtype {array.dtype} and shape "
                        f"{array.shape}")
    return array.astype(np.int64)


def refuse_numeric_symbolic(where: str, inputs) -> None:
    """A string-only layer called in a graph on a tensor of numbers: a TypeError naming the
    layer and the tensor."""
    for x in tree.flatten(inputs):
        if isinstance(x, SymbolicTensor) and x.dtype is not STRING:
            raise TypeError(
                f'{where} reads strings; in a model, call it on Input(shape=(1,), '
                f'dtype="string") (the string stage); got a tensor of dtype '
                f"{x.dtype} ({x.describe()})".replace("torch.", ""))
