"""An optimizer's state (``Optimizer.state_dict()``) as tensors plus JSON, without pickle.

The tensors (Adam's moments, step counts, ...) go to a safetensors file under their path in
the state (``torch_optimizer/state/0/exp_avg``); everything else (iteration count, learning
rate, torch's ``param_groups``) to JSON, where each tensor is a ``{"__tensor__": path}``
reference. Tuples and dicts with non-string keys (torch numbers parameters 0, 1, ...) are
tagged so that they come back as they were.
"""

from __future__ import annotations

import inspect
import json
import math

import safetensors.torch
import torch

from sloi.saving.archive import parse_json
from sloi.saving.errors import FileFormatError
from sloi.saving.weights_file import read_header


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
    """The state ``to_bytes`` wrote. Anything malformed raises ``FileFormatError``."""
    read_header(tensor_bytes, f"{source}: optimizer.safetensors")
    try:
        tensors = safetensors.torch.load(tensor_bytes)
    except Exception as e:  # safetensors' own error type is not a ValueError
        raise FileFormatError(f'"{source}": optimizer.safetensors is unreadable: {e}') from e
    data = parse_json(json_bytes, source, "optimizer.json")
    used = set()

    def bad(value, expected):
        return FileFormatError(f'"{source}": optimizer.json holds {_short(value)}; expected '
                               f"{expected}")

    def decode(value):
        if isinstance(value, list):
            return [decode(v) for v in value]
        if not isinstance(value, dict):
            return value
        if "__tensor__" in value:
            key = value["__tensor__"]
            if not isinstance(key, str) or key not in tensors:
                raise FileFormatError(f'"{source}": the optimizer state refers to tensor '
                                      f"{_quoted(key)}, which is not stored")
            used.add(key)
            return tensors[key]
        if "__float__" in value:
            text = value["__float__"]
            if text not in ("inf", "-inf", "nan"):  # all that to_bytes writes so
                raise bad(value, 'a {"__float__": "inf" | "-inf" | "nan"}')
            return float(text)
        if "__tuple__" in value:
            if not isinstance(value["__tuple__"], list):
                raise bad(value, 'a {"__tuple__": [...]}')
            return tuple(decode(v) for v in value["__tuple__"])
        if "__items__" in value:
            if not isinstance(value["__items__"], list):
                raise bad(value, 'a {"__items__": [[key, value], ...]}')
            out = {}
            for item in value["__items__"]:
                if not (isinstance(item, list) and len(item) == 2 and isinstance(
                        item[0], (str, int)) and not isinstance(item[0], bool)):
                    raise bad(item, "an entry [key, value] with a string or integer key")
                out[item[0]] = decode(item[1])
            return out
        return {k: decode(v) for k, v in value.items()}

    state = decode(data)
    if used != set(tensors):
        raise FileFormatError(f'"{source}": the optimizer tensors do not match their index '
                              "in optimizer.json")
    return state


def _quoted(value) -> str:
    return f'"{value}"' if isinstance(value, str) else _short(value)


def _short(value) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


_IMPLEMENTATION_KEYS = frozenset({"foreach", "fused", "capturable", "differentiable"})
_NON_NEGATIVE = frozenset({"learning_rate", "lr", "iterations", "step_counter",
                           "dynamic_scale", "weight_decay", "eps"})


def _check_like(value, template, path: list, source: str) -> None:
    """Raise ``FileFormatError`` unless ``value`` (from the file) has the form ``template``
    (the same optimizer's state, freshly built) has: the same keys, tensors of the same
    shapes, numbers where numbers are (finite; counts and rates >= 0), booleans where
    booleans are. Per-weight moments (``torch_optimizer/state``) are checked elsewhere."""
    name = path[-1] if path else ""
    where = "/".join(path) or "the top level"

    def refuse(expected):
        return FileFormatError(f'"{source}": optimizer.json: "{where}" is {_short(value)}; '
                               f"expected {expected}")

    if value is None and isinstance(template, (dict, list)):
        return  # a state saved before the optimizer was built (before the first step)
    if name in _IMPLEMENTATION_KEYS:
        if value is not None and not isinstance(value, bool):
            raise refuse("true, false or null")
    elif isinstance(template, torch.Tensor):
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != tuple(template.shape):
            raise refuse(f"a tensor of shape {tuple(template.shape)}")
    elif isinstance(template, bool):
        if not isinstance(value, bool):
            raise refuse("true or false")
    elif isinstance(template, (int, float)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or (
                isinstance(template, int) and not isinstance(value, int)):
            raise refuse("an integer" if isinstance(template, int) else "a number")
        if not math.isfinite(value) or (name in _NON_NEGATIVE and value < 0):
            raise refuse("a finite number" + (" >= 0" if name in _NON_NEGATIVE else ""))
    elif template is None:
        if value is not None:
            raise refuse("null, as the optimizer of the compile config has")
    elif isinstance(template, str):
        if not isinstance(value, str):
            raise refuse("a string")
    elif isinstance(template, (list, tuple)):
        if not isinstance(value, type(template)) or len(value) != len(template):
            raise refuse(f"a {type(template).__name__} of {len(template)} items")
        for i, (v, t) in enumerate(zip(value, template)):
            _check_like(v, t, path + [str(i)], source)
    elif isinstance(template, dict):
        if not isinstance(value, dict):
            raise refuse(f"a dict with keys {sorted(map(str, template))[:10]}")
        for key, t in template.items():
            if key == "state" and name == "torch_optimizer":
                if not isinstance(value.get(key), dict):
                    raise FileFormatError(f'"{source}": optimizer.json: the torch optimizer '
                                          "state is malformed")
                continue
            if key not in value:
                raise FileFormatError(f'"{source}": optimizer.json lacks "{where}/{key}"')
            _check_like(value[key], t, path + [str(key)], source)


def _torch_optimizers(optimizer):
    for candidate in (optimizer, getattr(optimizer, "inner_optimizer", None)):
        torch_optimizer = getattr(candidate, "torch_optimizer", None)
        if torch_optimizer is not None:
            yield torch_optimizer


def _check_hyperparameters(torch_optimizer, source: str) -> None:
    """Build a throwaway torch optimizer of the same class with each group's values, so that
    torch's own checks (``lr >= 0``, ``0 <= beta < 1``...) refuse what ``compile`` would."""
    cls = type(torch_optimizer)
    try:
        accepted = inspect.signature(cls.__init__).parameters
    except (TypeError, ValueError):
        return
    required = {name for name, p in accepted.items()
                if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD} - {"self", "params"}
    for group in torch_optimizer.param_groups:
        kwargs = {k: v for k, v in group.items() if k in accepted and k != "params"}
        if not required <= kwargs.keys():
            continue  # the group's keys do not name the constructor's arguments: nothing to probe
        first = group["params"][0] if group["params"] else None
        probe = torch.zeros(1, dtype=first.dtype if first is not None else torch.float32,
                            device=first.device if first is not None else "cpu",
                            requires_grad=True)
        try:
            cls([probe], **kwargs)
        except (ValueError, TypeError, RuntimeError) as e:
            shown = {k: v for k, v in kwargs.items() if k not in _IMPLEMENTATION_KEYS}
            raise FileFormatError(f'"{source}": optimizer.json holds hyperparameters that '
                                  f"{cls.__name__} refuses ({e}): {_short(shown)}") from e


def check_against(optimizer_factory, state, params: list, source: str) -> None:
    """Raise ``FileFormatError`` unless ``state`` fits an optimizer built on ``params``.

    A throwaway optimizer from ``optimizer_factory()`` is built on the parameters; the saved
    state must have the form of that optimizer's own (the same keys, numbers where numbers
    are, finite, counts and rates >= 0), its hyperparameters must pass the checks the torch
    optimizer makes when ``compile`` builds it, and its moment tensors must have the
    parameters' shapes. Then the throwaway optimizer takes the state, so torch checks the
    parameter groups. The real optimizer is left unbuilt: it takes the state when ``fit``
    builds it, on whatever device the model is then.
    """
    if not isinstance(state, dict) or "iterations" not in state:
        raise FileFormatError(f'"{source}": optimizer.json lacks the iteration count')
    try:
        shadow = optimizer_factory()
        shadow.build(params)
    except FileFormatError:
        raise
    except (ValueError, TypeError, KeyError, AttributeError, RuntimeError) as e:
        raise FileFormatError(f'"{source}": the optimizer of the compile config cannot be '
                              f"built ({type(e).__name__}: {e})") from e
    if state.get("torch_optimizer") is not None and getattr(
            shadow, "torch_optimizer", "absent") is None:
        raise FileFormatError(f'"{source}": the optimizer state has moments, but the model has '
                              "no trainable weights")
    for saved, torch_optimizer in zip(_saved_torch_states(state), _torch_optimizers(shadow)):
        _check_moments(saved, torch_optimizer, source)
    _check_like(state, shadow.state_dict(), [], source)
    try:
        shadow.load_state_dict(state)
    except (ValueError, KeyError, TypeError, RuntimeError, IndexError) as e:
        raise FileFormatError(f'"{source}": the optimizer state does not fit the optimizer: '
                              f"{e}") from e
    for torch_optimizer in _torch_optimizers(shadow):
        _check_hyperparameters(torch_optimizer, source)


def _saved_torch_states(state):
    for candidate in (state, state.get("inner_optimizer")):
        if isinstance(candidate, dict) and candidate.get("torch_optimizer") is not None:
            yield candidate["torch_optimizer"]


def _check_moments(saved, torch_optimizer, source: str) -> None:
    if not isinstance(saved, dict) or not isinstance(saved.get("state"), dict) or not isinstance(
            saved.get("param_groups"), list):
        raise FileFormatError(f'"{source}": optimizer.json: the torch optimizer state is '
                              'malformed (expected {"state": {...}, "param_groups": [...]})')
    ordered = [p for g in torch_optimizer.param_groups for p in g["params"]]
    for i, group in enumerate(saved["param_groups"]):
        params = group.get("params") if isinstance(group, dict) else None
        if not isinstance(params, list) or not all(
                isinstance(p, int) and not isinstance(p, bool) for p in params):
            raise FileFormatError(f'"{source}": optimizer.json: parameter group {i} is '
                                  f'{_short(group)}; expected {{"params": [integers], ...}}')
    saved_count = sum(len(g["params"]) for g in saved["param_groups"])
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
            if name == "step" and not (
                    (isinstance(value, torch.Tensor) and value.numel() == 1
                     and bool(torch.isfinite(value).all()) and float(value) >= 0)
                    or (isinstance(value, (int, float)) and not isinstance(value, bool)
                        and math.isfinite(value) and value >= 0)):
                raise FileFormatError(f'"{source}": optimizer state "step" of weight {index} '
                                      f"is {_short(value)}; expected a finite number >= 0")
