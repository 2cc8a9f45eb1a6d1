"""``sloi.ops.einops``: ``rearrange``, einops-style axis reordering, merging and splitting.

A pattern names the input's axes and the output's: ``"b h w c -> b (h w) c"``. A parenthesised
group on the right merges axes into one; on the left it splits one axis into several, whose
sizes come from ``**axes_lengths`` (one size of a group may be left to inference). The
computation is one reshape (splitting), one permutation and one reshape (merging).
"""

from __future__ import annotations

import math
import re

import torch

from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import convert_to_tensor

__all__ = ["rearrange"]

_TOKEN = re.compile(r"\([^()]*\)|[A-Za-z_]\w*|\S")


def _groups(side: str, pattern: str) -> list:
    """``"b (h w) c"`` -> ``[["b"], ["h", "w"], ["c"]]``."""
    groups = []
    for token in _TOKEN.findall(side):
        if token.startswith("("):
            names = token[1:-1].split()
            if not all(re.fullmatch(r"[A-Za-z_]\w*", n) for n in names):
                raise ValueError(f"rearrange: bad group {token!r} in pattern {pattern!r}")
            groups.append(names)
        elif re.fullmatch(r"[A-Za-z_]\w*", token):
            groups.append([token])
        else:
            raise ValueError(f"rearrange: unexpected {token!r} in pattern {pattern!r} (axis "
                             "names, and groups of them in parentheses, are supported)")
    return groups


def _parse(pattern: str):
    if pattern.count("->") != 1:
        raise ValueError(f"rearrange: pattern must have one '->'; got {pattern!r}")
    left, right = pattern.split("->")
    inputs, outputs = _groups(left, pattern), _groups(right, pattern)
    names_in = [n for g in inputs for n in g]
    names_out = [n for g in outputs for n in g]
    if len(set(names_in)) != len(names_in) or sorted(names_in) != sorted(names_out):
        raise ValueError(f"rearrange: the two sides of {pattern!r} must name the same axes, "
                         "each once")
    return inputs, outputs, names_in


def _sizes(inputs, shape, axes_lengths, pattern) -> dict:
    """Every elementary axis's size, from the input's shape and ``axes_lengths``."""
    if len(inputs) != len(shape):
        raise ValueError(f"rearrange: pattern {pattern!r} names {len(inputs)} input axes; the "
                         f"input has shape {tuple(shape)}")
    sizes = {}
    for group, dim in zip(inputs, shape):
        known = {n: int(axes_lengths[n]) for n in group if n in axes_lengths}
        unknown = [n for n in group if n not in axes_lengths]
        if len(group) == 1 and not known:
            sizes[group[0]] = dim
            continue
        if len(unknown) > 1:
            raise ValueError(f"rearrange: cannot infer the sizes of {unknown} in {pattern!r}: "
                             "give all but one in axes_lengths")
        product = math.prod(known.values())
        if unknown:
            if product == 0 or dim % product:
                raise ValueError(f"rearrange: axis of size {dim} does not split into "
                                 f"{group} with sizes {known}")
            known[unknown[0]] = dim // product
        elif product != dim:
            raise ValueError(f"rearrange: group {group} with sizes {known} does not fit an axis "
                             f"of size {dim}")
        sizes.update(known)
    return sizes


@keras_op(module="einops")
def rearrange(tensor, pattern, **axes_lengths):
    """``tensor`` with its axes reordered, merged and split as ``pattern`` says
    (``"b h w c -> b c h w"``, ``"b (h h1) w c -> b h w (c h1)"``)."""
    tensor = convert_to_tensor(tensor)
    inputs, outputs, names_in = _parse(pattern)
    sizes = _sizes(inputs, tuple(tensor.shape), axes_lengths, pattern)
    split = tensor.reshape([sizes[n] for n in names_in])
    order = [names_in.index(n) for g in outputs for n in g]
    moved = torch.permute(split, order)
    return moved.reshape([math.prod(sizes[n] for n in g) for g in outputs])
