"""What a layer call receives: eager inputs converted (numpy to tensors, floats to the layer's
dtype), values that are not tensors refused with a message naming the layer, the masks tensors
carry, and the shapes ``build`` is given. Used by ``Layer.__call__`` and the models."""

from __future__ import annotations

import numpy as np
import torch

from sloi.engine import tree
from sloi.engine.dtypes import STRING
from sloi.engine.keras_mask import get_keras_mask, set_keras_mask
from sloi.engine.module_tools import first_parameter
from sloi.engine.string_inputs import is_string_data, to_host_strings
from sloi.engine.symbolic import SymbolicTensor


class ShapeArgs(list):
    """Several shapes passed to ``build`` as separate arguments."""


def shapes_of(structure):
    return tree.map_structure(
        lambda x: tuple(x.shape) if hasattr(x, "shape") else x, structure
    )


def batch_shape_from_kwargs(kwargs):
    if kwargs.get("batch_input_shape") is not None:
        return tuple(kwargs["batch_input_shape"])
    if kwargs.get("input_shape") is not None:
        return (kwargs.get("batch_size"),) + tuple(kwargs["input_shape"])
    if kwargs.get("input_dim") is not None:
        return (kwargs.get("batch_size"), int(kwargs["input_dim"]))
    return None


def has_symbolic(args, kwargs) -> bool:
    for x in tree.flatten(args):
        if isinstance(x, SymbolicTensor):
            return True
    return any(isinstance(x, SymbolicTensor) for x in tree.flatten(kwargs))


def _is_layer(x) -> bool:
    """A layer object (a named module) given where a tensor belongs."""
    return isinstance(x, torch.nn.Module) and isinstance(getattr(x, "name", None), str)


def describe_value(x) -> str:
    """A short description of a value that is not what a call wanted, for error messages."""
    if _is_layer(x):
        return f'the {type(x).__name__} layer object "{x.name}"'
    text = repr(x)
    return f"{type(x).__name__} {text if len(text) < 60 else text[:57] + '...'}"


def not_a_tensor(layer, x) -> TypeError:
    hint = ""
    if _is_layer(x):
        hint = (f'; pass its output instead: x = {x.name}(previous) then '
                f"{layer.name}(x)")
    return TypeError(
        f'Layer "{layer.name}" ({type(layer).__name__}) expects a tensor as input (the output '
        f"of Input() or of another layer, a torch.Tensor or a numpy array); got "
        f"{describe_value(x)}{hint}"
    )


def check_symbolic_inputs(layer, inputs) -> None:
    for x in tree.flatten(inputs):
        if not isinstance(x, SymbolicTensor):
            raise not_a_tensor(layer, x)
        if x.dtype is STRING and not getattr(layer, "accepts_strings", False):
            raise TypeError(
                f'Layer "{layer.name}" ({type(layer).__name__}) cannot take strings: its input '
                f"({x.describe()}) holds raw text, which only the string stage reads. Put "
                "TextVectorization, StringLookup or Hashing first, e.g. "
                f"x = TextVectorization(...)(text_input) then {layer.name}(x)")


def convert_eager(layer, x, dtype: torch.dtype):
    """numpy arrays become tensors and floats take the layer's dtype, as Keras autocasts;
    host inputs go to the device of a built layer's weights (below)."""
    if isinstance(x, torch.Tensor):
        x = to_weights_device(layer, x)
        if x.is_floating_point() and x.dtype != dtype and dtype.is_floating_point:
            return x.to(dtype)
        return x
    if is_string_data(x):  # stays on the host, for a model's string stage
        if getattr(layer, "accepts_strings", False):
            return to_host_strings(x)
        raise TypeError(
            f'Layer "{layer.name}" ({type(layer).__name__}) cannot take strings (got '
            f"{describe_value(x)}): torch tensors hold numbers only. Turn the strings into "
            "numbers first with TextVectorization, StringLookup or Hashing")
    if isinstance(x, np.ndarray):
        t = to_weights_device(layer, tensor_from_numpy(x))
        return t.to(dtype) if t.is_floating_point() and dtype.is_floating_point else t
    if isinstance(x, (list, tuple)) and x:
        return type(x)(convert_eager(layer, i, dtype) for i in x)
    if isinstance(x, dict):
        return {k: convert_eager(layer, v, dtype) for k, v in x.items()}
    raise not_a_tensor(layer, x)


def tensor_from_numpy(array: np.ndarray) -> torch.Tensor:
    """``array`` as a tensor sharing its memory where torch can, a copy where it cannot: torch
    has no negative strides, and ``x[::-1]`` is an everyday numpy array."""
    if any(stride < 0 for stride in array.strides):
        array = array.copy()
    return torch.from_numpy(array)


def to_weights_device(layer, x: torch.Tensor) -> torch.Tensor:
    """A host tensor given to a layer (or model) whose weights are on CUDA moves there, as
    Keras puts every input on its device: ``model(x_test)`` after ``fit`` on a GPU works with
    numpy data. Costs two flag reads where no CUDA tensor can exist."""
    if x.device.type != "cpu" or not torch.cuda.is_initialized():
        return x
    weight = first_parameter(layer)
    if weight is None or weight.device.type != "cuda":
        return x
    moved = x.to(weight.device)
    mask = get_keras_mask(x)
    if mask is not None:
        set_keras_mask(moved, mask.to(weight.device))
    return moved


def carried_mask(x):
    """The mask a tensor (or each tensor of a list) carries; None when none carries one."""
    if isinstance(x, (list, tuple)):
        masks = [get_keras_mask(item) for item in x]
        return masks if any(m is not None for m in masks) else None
    return get_keras_mask(x)


def broadcast_masks(mask, outputs) -> list:
    """One mask per flat output: a single mask applies to every output."""
    flat = tree.flatten(outputs)
    if isinstance(mask, (list, tuple)):
        masks = tree.flatten(mask)
        return masks + [None] * (len(flat) - len(masks))
    return [mask] * len(flat)


def move_to_input_device(layer, x) -> None:
    tensor = tree.flatten(x)[0] if x is not None else None
    if isinstance(tensor, torch.Tensor) and tensor.device.type not in ("cpu", "meta"):
        layer.to(tensor.device)
