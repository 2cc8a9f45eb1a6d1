"""``Hashing``: values to hash buckets (Keras 3).

Keras 3 hashes with TensorFlow on every backend (``tf.strings.to_hash_bucket_fast``:
FarmHash ``Fingerprint64``; with a ``salt``, ``to_hash_bucket_strong``: SipHash-2-4) and
refuses to run without it. sloi computes the same hashes in Python (``_hashing``), so it
gives Keras's buckets with no TensorFlow.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sloi.engine import Layer
from sloi.engine.symbolic import any_symbolic
from sloi.layers.preprocessing import index_encoding, mixed_inputs, string_hashing

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count")


class Hashing(Layer):
    """Hashes each value (a string, or an integer as its decimal text) into one of
    ``num_bins`` buckets, as Keras does with TensorFlow.

    Args:
        num_bins: the number of buckets, the mask bucket included.
        mask_value: a value that goes to bucket 0 (the others to ``1..num_bins - 1``).
        salt: None (FarmHash ``Fingerprint64``), or an int or a pair of ints: the key of the
            keyed SipHash-2-4 (an int ``s`` means ``(s, s)``).
        output_mode: ``"int"`` (bucket ids), ``"one_hot"``, ``"multi_hot"`` or ``"count"``
            (float vectors of ``num_bins``, as ``CategoryEncoding`` makes them).
        sparse: must be False.
        dtype: the output dtype: ``"int64"`` (default) or ``"int32"`` in ``"int"`` mode,
            float32 otherwise.

    Call arguments:
        inputs: strings (a list or numpy array of str, bytes decoded as UTF-8) or numbers
            (a tensor or numpy array; floats are truncated to integers first, as in Keras).
            In a model, a numeric input or an ``Input(dtype="string")`` (the string stage,
            see docs/functional-api.md).

    Output: a tensor of bucket ids of the input's shape (``"int"``), otherwise vectors as
    ``CategoryEncoding``'s.

    Example:
        >>> Hashing(num_bins=3)([["A"], ["B"], ["C"]])   # tensor([[1], [0], [1]])
    """

    def __init__(self, num_bins, mask_value=None, salt=None, output_mode="int", sparse=False,
                 **kwargs):
        if kwargs.get("dtype") is None:
            kwargs["dtype"] = "int64" if output_mode == "int" else "float32"
        super().__init__(**kwargs)
        where = f'Layer "{self.name}" (Hashing)'
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins <= 0:
            raise ValueError(f"{where}: `num_bins` must be a positive integer; got "
                             f"num_bins={num_bins!r}")
        index_encoding.check_output_mode(where, output_mode, _OUTPUT_MODES)
        if output_mode == "int" and self._dtype not in (torch.int32, torch.int64):
            raise ValueError(f'{where}: with output_mode="int", `dtype` must be "int32" or '
                             f'"int64"; got dtype={self.dtype!r}')
        index_encoding.refuse_sparse(where, sparse)
        if salt is not None:
            if isinstance(salt, (tuple, list)) and len(salt) == 2 and all(
                    isinstance(s, int) for s in salt):
                salt = list(salt)
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"{where}: `salt` must be an int or a pair of ints; got "
                                 f"salt={salt!r}")
        self.num_bins = num_bins
        self.mask_value = mask_value
        self.salt = salt
        self.output_mode = output_mode
        self.sparse = sparse

    accepts_strings = True  # a layer of the string stage: it may read Input(dtype="string")

    def __call__(self, inputs, *args, **kwargs):
        if not any_symbolic(inputs) and mixed_inputs.is_string_data(inputs):
            # strings have no torch dtype: nn.Module's call, without the conversion to tensors
            return nn.Module.__call__(self, inputs, *args, **kwargs)
        if isinstance(inputs, (list, tuple, int, float)):
            inputs = np.asarray(inputs)  # nested lists of numbers, as Keras takes them
        return super().__call__(inputs, *args, **kwargs)

    def call(self, inputs):
        where = f'Layer "{self.name}" (Hashing)'
        if mixed_inputs.is_string_data(inputs):
            values, device = mixed_inputs.string_array(inputs, "utf-8", where), None
        else:
            values, device = mixed_inputs.numeric_array(inputs), inputs.device
        if self.output_mode == "one_hot" and values.ndim and values.shape[-1] == 1:
            values = values[..., 0]
        buckets = torch.from_numpy(self._buckets(values, where))
        if device is not None:
            buckets = buckets.to(device)
        return index_encoding.encode(buckets, self.output_mode, self.num_bins, self._dtype, where)

    def _buckets(self, values: np.ndarray, where: str) -> np.ndarray:
        bins = self.num_bins
        mask = None
        if self.mask_value is not None and bins > 1:
            if isinstance(self.mask_value, (str, bytes)) != (values.dtype == object):
                raise ValueError(f"{where}: mask_value={self.mask_value!r} and the inputs "
                                 f"({values.dtype}) must both be strings or both numbers")
            bins -= 1
            mask = values == self.mask_value
        buckets = string_hashing.hash_buckets(values, bins, self.salt)
        if mask is not None:
            buckets = np.where(mask, 0, buckets + 1)
        return buckets

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        if self.output_mode == "one_hot" and shape and shape[-1] == 1:
            shape = shape[:-1]
        return index_encoding.encoded_shape(shape, self.output_mode, self.num_bins)

    def compute_output_dtype(self, input_dtype):
        return self._dtype

    def get_config(self):
        return {**super().get_config(), "num_bins": self.num_bins, "salt": self.salt,
                "mask_value": self.mask_value, "output_mode": self.output_mode,
                "sparse": self.sparse}
