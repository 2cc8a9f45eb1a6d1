"""Strings given to a model: the host side of ``Input(dtype="string")``.

torch has no string tensors, so a model's string stage runs on the host. A string input's value
is a numpy array of ``str`` (numpy's unicode dtype, or ``bytes``, or an object array holding
them); lists of str become such arrays here. The layers of the string stage
(``TextVectorization``, ``StringLookup``, ``Hashing``: ``accepts_strings = True``) read those
arrays and return torch tensors; the graph from there on is the ordinary tensor stage.

This module tells string data apart from numbers, shapes a string batch for its input, and
words the error for strings given to an input that expects numbers.
"""

from __future__ import annotations

import numpy as np
import torch

from sloi.engine.dtypes import STRING, dtype_name
from sloi.engine.symbolic import format_shape


def is_string_data(x) -> bool:
    """A str or bytes, a (nested) list or tuple whose first leaf is one, or a numpy array of
    str / bytes (or of objects whose first element is a str or bytes)."""
    if isinstance(x, (str, bytes)):
        return True
    if isinstance(x, np.ndarray):
        if x.dtype.kind in "US":
            return True
        return x.dtype.kind == "O" and x.size > 0 and isinstance(
            x.reshape(-1)[0], (str, bytes))
    if isinstance(x, (list, tuple)):
        return _string_list(x)
    return False


def _string_list(x) -> bool:
    """A non-empty list / tuple of str or bytes, or of such lists (a batch of shape (n, 1)):
    ``(["a", "b"], labels)`` is a batch that holds strings, not strings itself."""
    if not x:
        return False
    if isinstance(x[0], (str, bytes)):
        return all(isinstance(v, (str, bytes)) for v in x)
    return all(isinstance(v, (list, tuple)) and _string_list(v) for v in x)


def to_host_strings(structure):
    """``structure`` (data, or a list / tuple / dict of data) with each list of strings made a
    numpy array, so that the walk over a structure of inputs sees one value, not its letters.
    Everything else is returned as it is."""
    if isinstance(structure, (list, tuple)) and is_string_data(structure):
        return np.asarray(structure)
    if isinstance(structure, dict):
        return {k: to_host_strings(v) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)) and any(
            isinstance(v, (list, tuple)) and is_string_data(v) for v in structure):
        return type(structure)(to_host_strings(v) for v in structure)
    return structure


def _describe_data(x) -> str:
    if isinstance(x, np.ndarray):
        return f"a numpy array of dtype {x.dtype}, shape {x.shape}"
    if isinstance(x, torch.Tensor):
        return f"a torch.Tensor of dtype {dtype_name(x.dtype)}, shape {tuple(x.shape)}"
    return f"a {type(x).__name__}"


def input_name(tensor) -> str:
    history = tensor.history
    return history.layer.name if history is not None else str(tensor.name)


def unexpected_strings(model_name: str, tensor, x) -> TypeError:
    """The error for strings given to an input that expects numbers."""
    return TypeError(
        f'Model "{model_name}" got strings ({_describe_data(x)}) for input '
        f'"{input_name(tensor)}", which expects {dtype_name(tensor.dtype)} data of shape '
        f"{format_shape(tensor.shape)}. torch tensors cannot hold strings: either start the "
        'model with Input(shape=(1,), dtype="string") followed by TextVectorization (or '
        "StringLookup / Hashing), which turn the strings into numbers inside the model, or "
        "vectorize the texts first: x = TextVectorization(...)(texts); model.fit(x, y)")


def expects_strings(model_name: str, tensor, x) -> TypeError:
    """The error for numbers (or anything else) given to a string input."""
    return TypeError(
        f'Model "{model_name}": input "{input_name(tensor)}" is a string input '
        f'(Input(dtype="string"), shape {format_shape(tensor.shape)}); it takes a list or '
        f"numpy array of str; got {_describe_data(x)}")


def string_batch(model_name: str, tensor, x) -> np.ndarray:
    """``x`` as the value of the string input ``tensor``: a numpy array of strings of the
    input's rank. As Keras does, a batch one axis short of an input whose last size is 1 gets
    that axis (``["a", "b"]`` for ``Input(shape=(1,), dtype="string")``), and one axis too
    many of size 1 loses it."""
    if isinstance(x, (list, tuple, str, bytes)):
        x = np.asarray(x)
    if not isinstance(x, np.ndarray) or not is_string_data(x) and x.size > 0:
        raise expects_strings(model_name, tensor, x)
    rank = len(tensor.shape)
    if x.ndim == rank - 1 and tensor.shape[-1] == 1:
        x = x[..., None]
    elif x.ndim == rank + 1 and x.shape[-1] == 1:
        x = x[..., 0]
    if x.ndim != rank or any(d is not None and d != s for d, s in zip(tensor.shape, x.shape)):
        raise ValueError(
            f'Model "{model_name}" expects input "{input_name(tensor)}" of shape '
            f"{format_shape(tensor.shape)} (strings); got strings of shape {x.shape}")
    return x


def check_data(model, x):
    """``x`` (a model's data, before any batch is made) with its lists of strings as numpy
    arrays; strings meant for an input that expects numbers raise ``unexpected_strings``
    here, before any work. Data that cannot be paired with the inputs (generators, datasets)
    is checked batch by batch when the model reads it."""
    x = to_host_strings(x)
    inputs = getattr(model, "inputs", None) if getattr(model, "built", False) else None
    if not inputs:
        return x
    names = [input_name(t) for t in inputs]
    if isinstance(x, dict):
        pairs = [(t, x[n]) for t, n in zip(inputs, names) if n in x]
    elif isinstance(x, (list, tuple)) and len(inputs) > 1 and len(x) == len(inputs):
        pairs = list(zip(inputs, x))
    else:
        pairs = [(inputs[0], x)] if len(inputs) == 1 else []
    for tensor, value in pairs:
        if tensor.dtype is not STRING and is_string_data(value):
            raise unexpected_strings(model.name, tensor, value)
        if tensor.dtype is STRING and isinstance(value, (np.ndarray, torch.Tensor)) and (
                not is_string_data(value) and value.size > 0 if isinstance(
                    value, np.ndarray) else True):
            raise expects_strings(model.name, tensor, value)
    return x
