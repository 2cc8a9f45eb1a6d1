"""Shared by the layers that turn integer indices into vectors (CategoryEncoding,
Discretization, Hashing, HashedCrossing, StringLookup, IntegerLookup): Keras's
``encode_categorical_inputs`` on its torch backend, and the checks of ``output_mode``."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def check_output_mode(where: str, output_mode, allowed) -> None:
    if output_mode not in allowed:
        raise ValueError(f"{where}: `output_mode` must be one of {tuple(allowed)}; got "
                         f"output_mode={output_mode!r}")


def refuse_sparse(where: str, sparse) -> None:
    if sparse:
        raise ValueError(f"{where}: `sparse=True` is not supported (torch tensors here are "
                         "dense, as with Keras 3 on its torch backend); got sparse=True")


def encoded_shape(input_shape, output_mode: str, depth: int):
    """The output shape of ``encode`` for inputs of ``input_shape``."""
    shape = tuple(input_shape)
    if output_mode == "int":
        return shape
    if len(shape) == 0:
        return (depth,)
    if output_mode == "one_hot":
        if len(shape) > 1 and shape[-1] == 1:
            shape = shape[:-1]
        return shape + (depth,)
    # multi_hot / count reduce axis 1 (axis 0 of a 1-D input), as Keras does
    return (shape[0],) + shape[2:] + (depth,) if len(shape) > 1 else (depth,)


def encode(indices: torch.Tensor, output_mode: str, depth: int, dtype: torch.dtype,
           where: str, count_weights: torch.Tensor | None = None) -> torch.Tensor:
    """Integer ``indices`` as ids (``"int"``), one-hot vectors, multi-hot or count vectors.

    As in Keras: a negative index gives a row of zeros; ``"one_hot"`` drops a last axis of
    size 1 first; ``"multi_hot"`` and ``"count"`` reduce axis 1 (axis 0 of a 1-D input).
    An index ``>= depth`` is an error here (torch's one_hot raises one too).
    """
    if output_mode == "int":
        return indices.to(dtype)
    if indices.ndim == 0:
        indices = indices.reshape(1)
    if output_mode == "one_hot" and indices.ndim > 1 and indices.shape[-1] == 1:
        indices = indices.squeeze(-1)
    indices = indices.long()
    if indices.numel() and int(indices.max()) >= depth:
        raise ValueError(f"{where}: an index {int(indices.max())} is out of range for "
                         f"{depth} output columns (valid indices: 0..{depth - 1})")
    if count_weights is not None:
        dtype = count_weights.dtype
    hot = F.one_hot(indices.clamp(min=0), depth).to(dtype)
    hot = hot * (indices >= 0).unsqueeze(-1).to(dtype)
    if output_mode == "one_hot":
        return hot
    axis = 1 if indices.ndim > 1 else 0
    if output_mode == "multi_hot":
        return hot.amax(dim=axis)
    if count_weights is not None:
        hot = hot * count_weights.unsqueeze(-1)
    return hot.sum(dim=axis)
