"""``IntegerLookup``: integer values to contiguous indices through a vocabulary (Keras 3)."""

from __future__ import annotations

import numbers

import numpy as np
import torch

from sloi.engine import Layer
from sloi.engine.symbolic import any_symbolic
from sloi.layers.preprocessing import mixed_inputs
from sloi.layers.preprocessing.index_lookup import IndexLookup


class IntegerLookup(IndexLookup):
    """Maps integer values (ids, codes, years...) to indices in a vocabulary (given, or
    learned by ``adapt``), or to one-hot / multi-hot / count / tf-idf vectors;
    ``invert=True`` maps indices back to values.

    Keras 3 runs this layer only with TensorFlow installed; sloi needs none and gives the
    same indices.

    Args:
        max_tokens: the largest number of indices, special ones included (None: no limit).
        num_oov_indices: how many indices unknown values share (1 by default; several:
            ``value % num_oov_indices`` picks one, or its FarmHash with
            ``oov_method="farmhash"``; 0: unknown values are an error).
        mask_token: a value that maps to index 0 in ``"int"`` mode (and counts nowhere in
            the vector modes); None (default): no mask index.
        oov_token: the value of the OOV indices in ``get_vocabulary()`` and in inverted
            lookups, -1 by default.
        vocabulary: a list / array / tensor of integers, or a path to a text file (one a
            line), with or without the special tokens first.
        vocabulary_dtype: ``"int64"`` (the only one Keras supports).
        idf_weights: ``"tf_idf"`` mode with a given vocabulary: one weight per entry.
        invert: map indices to values instead.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        sparse: must be False.
        pad_to_max_tokens: vector modes: ``max_tokens`` columns even when the vocabulary is
            smaller.
        oov_method: ``"floormod"`` (default) or ``"farmhash"`` (hash of the decimal text).
        salt: with ``oov_method="farmhash"``, the key of SipHash instead.

    Call arguments:
        inputs: integers: a tensor, numpy array or list, any shape.

    Output: int64 indices of the input's shape (or, inverted, int64 values); int64 vectors
    in ``"one_hot"``, ``"multi_hot"``, ``"count"`` mode and float32 ones in ``"tf_idf"`` mode
    (as Keras on torch returns them). Integer tensors can be part of a model.

    Example:
        >>> layer = IntegerLookup(vocabulary=[12, 36, 1138, 42])
        >>> layer(torch.tensor([[12, 1138, 42], [42, 1000, 36]]))
        tensor([[1, 3, 4], [4, 0, 2]])
    """

    _integer_keys = True

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token=-1,
                 vocabulary=None, vocabulary_dtype="int64", idf_weights=None, invert=False,
                 output_mode="int", sparse=False, pad_to_max_tokens=False,
                 oov_method="floormod", salt=None, name=None, **kwargs):
        if vocabulary_dtype != "int64":
            raise ValueError(f'Layer "{name or "integer_lookup"}" (IntegerLookup): only '
                             f'vocabulary_dtype="int64" is supported (as in Keras); got '
                             f"vocabulary_dtype={vocabulary_dtype!r}")
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         vocabulary_dtype=vocabulary_dtype, idf_weights=idf_weights,
                         invert=invert, output_mode=output_mode, sparse=sparse,
                         pad_to_max_tokens=pad_to_max_tokens, oov_method=oov_method,
                         salt=salt, name=name, **kwargs)

    def _token(self, value):
        if isinstance(value, str):
            value = value.strip()
            if value.lstrip("-").isdigit():
                return int(value)  # a line of a vocabulary file
        if isinstance(value, numbers.Integral) and not isinstance(value, bool):
            return int(value)
        raise TypeError(f"{self._where()}: vocabulary and special tokens must be integers; "
                        f"got {type(value).__name__} {value!r}")

    def _values(self, inputs) -> np.ndarray:
        return mixed_inputs.int64_array(inputs, self._where(), "values")

    def _tokens_out(self, tokens: np.ndarray, device):
        values = torch.from_numpy(tokens.astype(np.int64))
        return values if device is None else values.to(device)

    def __call__(self, inputs, *args, **kwargs):
        if any_symbolic(inputs):
            return Layer.__call__(self, inputs, *args, **kwargs)
        return super().__call__(inputs, *args, **kwargs)
