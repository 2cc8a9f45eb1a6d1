"""``CategoryEncoding``: integer categories to one-hot, multi-hot or count vectors (Keras 3)."""

from __future__ import annotations

import torch

from sloi.engine import Layer
from sloi.layers.preprocessing import index_encoding

_OUTPUT_MODES = ("one_hot", "multi_hot", "count")


class CategoryEncoding(Layer):
    """Encodes integer features in ``[0, num_tokens)``.

    Args:
        num_tokens: the number of categories (the output's last size).
        output_mode: ``"multi_hot"`` (default; ``"binary"`` is its old name): one vector per
            row of the input, 1 where a category appears; ``"count"``: how often each
            category appears (weighted by ``count_weights`` when given); ``"one_hot"``: one
            vector per value (a last axis of size 1 is dropped first).
        sparse: must be False (torch tensors here are dense, as with Keras on torch).

    Call arguments:
        inputs: integer tensor of shape ``(batch,)`` or ``(batch, features)`` (any rank for
            ``"one_hot"``); a negative value gives a row of zeros.
        count_weights: ``"count"`` mode only: a weight for each value of ``inputs``.

    Output: float (the layer's dtype), shape ``(batch, num_tokens)``, or
    ``inputs.shape + (num_tokens,)`` for ``"one_hot"``.

    Example:
        >>> CategoryEncoding(4, output_mode="count")(torch.tensor([[0, 1, 1], [3, 3, 2]]))
        tensor([[1., 2., 0., 0.], [0., 0., 1., 2.]])
    """

    def __init__(self, num_tokens=None, output_mode="multi_hot", sparse=False, **kwargs):
        super().__init__(**kwargs)
        where = f'Layer "{self.name}" (CategoryEncoding)'
        if output_mode == "binary":
            output_mode = "multi_hot"
        index_encoding.check_output_mode(where, output_mode, _OUTPUT_MODES)
        index_encoding.refuse_sparse(where, sparse)
        if num_tokens is None:
            raise ValueError(f"{where}: `num_tokens` must be set (when the categories are not "
                             "known beforehand, use IntegerLookup)")
        if isinstance(num_tokens, bool) or not isinstance(num_tokens, int) or num_tokens < 1:
            raise ValueError(f"{where}: `num_tokens` must be an integer >= 1; got "
                             f"num_tokens={num_tokens!r}")
        self.num_tokens = num_tokens
        self.output_mode = output_mode
        self.sparse = sparse

    def call(self, inputs, count_weights=None):
        where = f'Layer "{self.name}" (CategoryEncoding)'
        if count_weights is not None:
            if self.output_mode != "count":
                raise ValueError(f'{where}: `count_weights` only apply to output_mode="count";'
                                 f" got output_mode={self.output_mode!r}")
            count_weights = torch.as_tensor(count_weights, device=inputs.device).to(
                self._dtype)
            if tuple(count_weights.shape) != tuple(inputs.shape):
                raise ValueError(f"{where}: `count_weights` of shape "
                                 f"{tuple(count_weights.shape)} must have the inputs' shape "
                                 f"{tuple(inputs.shape)}")
        if inputs.is_floating_point() and not torch.equal(inputs, inputs.round()):
            raise ValueError(f"{where} expects integer category indices; got "
                             f"{inputs.dtype} values that are not whole numbers")
        return index_encoding.encode(inputs, self.output_mode, self.num_tokens, self._dtype, where,
                                     count_weights)

    def compute_output_shape(self, input_shape):
        return index_encoding.encoded_shape(input_shape, self.output_mode, self.num_tokens)

    def compute_output_dtype(self, input_dtype):
        return self._dtype

    def get_config(self):
        return {**super().get_config(), "num_tokens": self.num_tokens,
                "output_mode": self.output_mode}
