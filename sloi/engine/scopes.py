"""Keras 3's scopes: ``name_scope`` (a prefix for the paths of variables made inside) and
``device`` (where tensors made inside live)."""

from __future__ import annotations

import contextlib

import torch

_names: list[str] = []


def current_path(name: str) -> str:
    """``name`` under the open name scopes: ``"block1/dense/kernel"``."""
    return "/".join(_names + [name])


@contextlib.contextmanager
def name_scope(name, caller=None, deduplicate=True, override_parent=None):
    """Variables made inside have paths ``name/...``. Nested scopes join with ``/``; a scope
    of the same name as the one around it is not repeated (``deduplicate``);
    ``override_parent`` replaces the outer scopes."""
    if not isinstance(name, str) or not name:
        raise ValueError(f"name_scope: the name must be a non-empty string; got {name!r}")
    saved = list(_names)
    if override_parent is not None:
        _names[:] = [p for p in str(override_parent).split("/") if p]
    if not (deduplicate and _names and _names[-1] == name):
        _names.append(name)
    try:
        yield name
    finally:
        _names[:] = saved


@contextlib.contextmanager
def device(device_name):
    """Tensors (weights, op results) made inside live on ``device_name``: ``"cpu"``,
    ``"cuda"``, ``"cuda:1"``, or Keras's ``"gpu:0"``."""
    name = str(device_name).lower()
    if name.startswith("gpu"):
        name = "cuda" + name[3:]
    target = torch.device(name)
    if target.type == "cuda" and not torch.cuda.is_available():
        raise ValueError(f'device("{device_name}"): CUDA is not available on this machine')
    with target:
        yield target
