"""An optimizer's state (``Optimizer.state_dict()``) as tensors plus JSON, without pickle.

The tensors (Adam's moments, step counts, ...) go to a safetensors file under their path in
the state (``torch_optimizer/state/0/exp_avg``); everything else (iteration count, learning
rate, torch's ``param_groups``) to JSON, where each tensor is a ``{"__tensor__": path}``
reference. Tuples and dicts with non-string keys (torch numbers parameters 0, 1, ...) are
tagged so that they come back as they were.
"""

from __future__ import annotations

import json
import math

import safetensors.torch
import torch

from sloi.saving.errors import FileFormatError
from sloi.saving.weights_file import _read_header


def flatten(state) -> tuple[dict, str]:
    """``(tensors, json_text)`` for a state made of dicts, lists, tuples, tensors, numbers,
    strings, booleans and None."""
    tensors = {}

    def encode(value, path):
        if isinstance(value, torch.Tensor):
            key = "/".join(path)
            tensors[key] = value.detach().to("cpu", copy=True).contiguous()
            return {"__tensor__": key}
        if value is None or isinstance(value, (bool, int, str)):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else {"__float__": repr(value)}
        if isinstance(value, (list, tuple)):
            items = [encode(v, path + [str(i)]) for i, v in enumerate(value)]
            return items if isinstance(value, list) else {"__tuple__": items}
        if isinstance(value, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in value):
                return {k: encode(v, path + [k]) for k, v in value.items()}
            items = []
            for k, v in value.items():
                if not isinstance(k, (str, int)) or isinstance(k, bool):
                    raise TypeError(f"Cannot store optimizer state key {k!r}")
                items.append([k, encode(v, path + [str(k)])])
            return {"__items__": items}
        raise TypeError(
            f"Cannot store optimizer state value of type {type(value).__name__} at "
            f"{'/'.join(path) or 'top level'}: only tensors, numbers, strings, lists and dicts"
        )

    text = json.dumps(encode(state, []))
    return tensors, text


def to_bytes(state) -> tuple[bytes, bytes]:
    """``(safetensors bytes, json bytes)`` for an optimizer state."""
    tensors, text = flatten(state)
    return safetensors.torch.save(tensors, metadata={"format": "sloi.optimizer"}), text.encode()


def from_bytes(tensor_bytes: bytes, json_bytes: bytes, source: str):
    """The state ``to_bytes`` wrote."""
    _read_header(tensor_bytes, source)
    try:
        tensors = safetensors.torch.load(tensor_bytes)
    except Exception as e:  # safetensors' own error type is not a ValueError
        raise FileFormatError(f'"{source}": the optimizer tensors are unreadable: {e}') from e
    try:
        data = json.loads(json_bytes.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        raise FileFormatError(f'"{source}": the optimizer state is not JSON ({e})') from e
    used = set()

    def decode(value):
        if isinstance(value, list):
            return [decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__tensor__" in value:
            key = value["__tensor__"]
            if key not in tensors:
                raise FileFormatError(f'"{source}": the optimizer state refers to tensor '
                                      f'"{key}", which is not stored')
            used.add(key)
            return tensors[key]
        if "__float__" in value:
            return float(value["__float__"])  # inf / nan only: float() parses no code
        if "__tuple__" in value:
            return tuple(decode(v) for v in _list(value["__tuple__"]))
        if "__items__" in value:
            out = {}
            for item in _list(value["__items__"]):
                if not (isinstance(item, list) and len(item) == 2):
                    raise FileFormatError(f'"{source}": bad optimizer state entry {item!r}')
                out[item[0]] = decode(item[1])
            return out
        return {k: decode(v) for k, v in value.items()}

    def _list(value):
        if not isinstance(value, list):
            raise FileFormatError(f'"{source}": bad optimizer state value {value!r}')
        return value

    state = decode(data)
    if used != set(tensors):
        raise FileFormatError(f'"{source}": the optimizer tensors do not match their index')
    return state


def check_against(optimizer_factory, state, params: list, source: str) -> None:
    """Raise ``FileFormatError`` unless ``state`` fits an optimizer built on ``params``.

    A throwaway optimizer from ``optimizer_factory()`` is built on the parameters and given
    the state, so torch checks the parameter groups; the moment tensors are checked against
    the parameters' shapes here. The real optimizer is left unbuilt: it takes the state when
    ``fit`` builds it, on whatever device the model is then.
    """
    if not isinstance(state, dict) or "iterations" not in state:
        raise FileFormatError(f'"{source}": the optimizer state lacks its iteration count')
    saved = state.get("torch_optimizer")
    if saved is None:
        return
    if not isinstance(saved, dict) or not isinstance(saved.get("state"), dict) or not isinstance(
            saved.get("param_groups"), list):
        raise FileFormatError(f'"{source}": the torch optimizer state is malformed')
    shadow = optimizer_factory()
    shadow.build(params)
    if shadow.torch_optimizer is None:
        raise FileFormatError(f'"{source}": the optimizer state has moments, but the model has '
                              "no trainable weights")
    ordered = [p for g in shadow.torch_optimizer.param_groups for p in g["params"]]
    saved_count = sum(len(g.get("params", [])) for g in saved["param_groups"]
                      if isinstance(g, dict))
    if saved_count != len(ordered):
        raise FileFormatError(
            f'"{source}": the optimizer state is for {saved_count} trainable weights; the model '
            f"has {len(ordered)}"
        )
    for index, entry in saved["state"].items():
        if not isinstance(index, int) or not 0 <= index < len(ordered) or not isinstance(
                entry, dict):
            raise FileFormatError(f'"{source}": bad optimizer state entry for weight {index!r}')
        for name, value in entry.items():
            if isinstance(value, torch.Tensor) and value.ndim > 0 and tuple(
                    value.shape) != tuple(ordered[index].shape):
                raise FileFormatError(
                    f'"{source}": optimizer state "{name}" of weight {index} has shape '
                    f"{tuple(value.shape)}; the weight has {tuple(ordered[index].shape)}"
                )
    try:
        shadow.load_state_dict(state)
    except (ValueError, KeyError, TypeError, RuntimeError) as e:
        raise FileFormatError(f'"{source}": the optimizer state does not fit the optimizer: '
                              f"{e}") from e
