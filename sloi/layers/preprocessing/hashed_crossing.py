"""``HashedCrossing``: crosses of categorical features, hashed into buckets (Keras 3).

Keras 3 crosses with TensorFlow on every backend (``tf.sparse.cross_hashed``) and refuses
to run without it; sloi computes the same hash in Python: starting from the key
``0xDECAFCAFFE``, each feature's hash (a string's FarmHash ``Fingerprint64``, an integer
itself) is chained in with ``FingerprintCat64``, and the result taken modulo ``num_bins``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sloi.engine import Layer
from sloi.engine.symbolic import any_symbolic
from sloi.layers.preprocessing import index_encoding, mixed_inputs, string_hashing

_HASH_KEY = 0xDECAFCAFFE  # tf.sparse.cross_hashed's default hash_key


class HashedCrossing(Layer):
    """Hashes the combination of two or more categorical features into ``num_bins``
    buckets: ``("A", 101)`` and ``("B", 101)`` are different crosses.

    Args:
        num_bins: the number of buckets.
        output_mode: ``"int"`` (bucket ids, int64 unless ``dtype`` says otherwise) or
            ``"one_hot"`` (float vectors of ``num_bins``).
        sparse: must be False.

    Call arguments:
        inputs: a list or tuple of at least two features of the same shape, ``()``,
            ``(batch,)`` or ``(batch, 1)``: integer tensors / arrays, or strings (lists or
            numpy arrays of str). Integer features can be part of a model.

    Output: bucket ids of the features' shape (``"int"``); one-hot vectors otherwise.

    Example:
        >>> HashedCrossing(num_bins=5)((np.array(["A", "B"]), np.array([101, 101])))
        tensor([1, 4])
    """

    def __init__(self, num_bins, output_mode="int", sparse=False, name=None, dtype=None,
                 **kwargs):
        if output_mode == "int" and dtype is None:
            dtype = "int64"
        super().__init__(name=name, dtype=dtype, **kwargs)
        where = f'Layer "{self.name}" (HashedCrossing)'
        if isinstance(num_bins, bool) or not isinstance(num_bins, int) or num_bins <= 0:
            raise ValueError(f"{where}: `num_bins` must be a positive integer; got "
                             f"num_bins={num_bins!r}")
        index_encoding.refuse_sparse(where, sparse)
        index_encoding.check_output_mode(where, output_mode, ("int", "one_hot"))
        self.num_bins = num_bins
        self.output_mode = output_mode
        self.sparse = sparse

    def __call__(self, inputs, *args, **kwargs):
        self._check_is_list(inputs)
        if not any_symbolic(inputs) and any(mixed_inputs.is_string_data(x) for x in inputs):
            return nn.Module.__call__(self, inputs, *args, **kwargs)
        if not any_symbolic(inputs):  # nested lists of numbers, as Keras takes them
            inputs = [x if isinstance(x, (torch.Tensor, np.ndarray)) else np.asarray(x)
                      for x in inputs]
        return super().__call__(inputs, *args, **kwargs)

    def _where(self):
        return f'Layer "{self.name}" (HashedCrossing)'

    def _check_is_list(self, inputs):
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(f"{self._where()} should be called on a list or tuple of "
                             f"features; got {type(inputs).__name__}")
        if len(inputs) < 2:
            raise ValueError(f"{self._where()} should be called on at least two features; "
                             f"got {len(inputs)}")

    def _check_shapes(self, shapes):
        first = tuple(shapes[0])
        if len(first) > 2 or (len(first) == 2 and first[-1] != 1):
            raise ValueError(f"{self._where()}: every feature must have shape (), (batch,) "
                             f"or (batch, 1); got shapes {[tuple(s) for s in shapes]}")
        if any(tuple(s) != first for s in shapes[1:]):
            raise ValueError(f"{self._where()}: the features must have the same shape; got "
                             f"shapes {[tuple(s) for s in shapes]}")

    def call(self, inputs):
        where = self._where()
        device = next((x.device for x in inputs if isinstance(x, torch.Tensor)), None)
        arrays = []
        for x in inputs:
            if mixed_inputs.is_string_data(x):
                arrays.append(mixed_inputs.string_array(x, "utf-8", where))
                continue
            array = mixed_inputs.numeric_array(x)
            if array.dtype.kind not in "iu":
                raise ValueError(f"{where}: features must be integers or strings; got "
                                 f"dtype {array.dtype}")
            arrays.append(array)
        self._check_shapes([a.shape for a in arrays])
        hashes = [string_hashing.feature_fingerprints(a) for a in arrays]
        crossed = []
        for row in zip(*hashes):
            value = _HASH_KEY
            for h in row:
                value = string_hashing.fingerprint_cat64(value, h)
            crossed.append(value % self.num_bins)
        buckets = torch.tensor(crossed, dtype=torch.int64).reshape(arrays[0].shape)
        if device is not None:
            buckets = buckets.to(device)
        return index_encoding.encode(buckets, self.output_mode, self.num_bins, self._dtype, where)

    def compute_output_shape(self, input_shape):
        self._check_shapes(input_shape)
        return index_encoding.encoded_shape(tuple(input_shape[0]), self.output_mode, self.num_bins)

    def compute_output_dtype(self, input_dtype):
        return self._dtype

    def get_config(self):
        # Keras's config has exactly these keys
        return {"num_bins": self.num_bins, "output_mode": self.output_mode,
                "sparse": self.sparse, "name": self.name, "dtype": self.dtype}
