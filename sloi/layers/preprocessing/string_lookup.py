"""``StringLookup``: strings to integer indices through a vocabulary (Keras 3)."""

from __future__ import annotations

import numpy as np

from sloi.engine import Layer
from sloi.engine.symbolic import any_symbolic
from sloi.layers.preprocessing import text_processing
from sloi.layers.preprocessing.index_lookup import IndexLookup
from sloi.layers.preprocessing.mixed_inputs import refuse_numeric_symbolic


class StringLookup(IndexLookup):
    """Maps strings to indices in a vocabulary (given, or learned by ``adapt``), or to
    one-hot / multi-hot / count / tf-idf vectors; ``invert=True`` maps indices back.

    Keras 3 runs this layer only with TensorFlow installed; sloi needs none and gives the
    same indices (out-of-vocabulary buckets hashed with FarmHash / SipHash as TensorFlow
    hashes them).

    Args:
        max_tokens: the largest number of indices, special ones included (None: no limit).
        num_oov_indices: how many indices unknown strings share (1 by default; several:
            a string's FarmHash picks one; 0: unknown strings are an error).
        mask_token: a string that maps to index 0 in ``"int"`` mode (and counts nowhere in
            the vector modes); None (default): no mask index.
        oov_token: the token of the OOV indices in ``get_vocabulary()`` and in inverted
            lookups, ``"[UNK]"`` by default.
        vocabulary: a list / array of strings or a path to a text file (one a line), with or
            without the special tokens first.
        idf_weights: ``"tf_idf"`` mode with a given vocabulary: one weight per entry.
        invert: map indices to strings instead.
        output_mode: ``"int"``, ``"one_hot"``, ``"multi_hot"``, ``"count"`` or ``"tf_idf"``.
        pad_to_max_tokens: vector modes: ``max_tokens`` columns even when the vocabulary is
            smaller.
        sparse: must be False.
        encoding: how bytes inputs and vocabulary files are decoded (``"utf-8"``).
        salt: with several OOV indices, the key of SipHash instead of FarmHash.

    Call arguments:
        inputs: a str, or a list / numpy array of str or bytes (any shape); with
            ``invert=True``, integer indices (tensor, array or list).

    Output: int64 indices of the input's shape; int64 vectors in ``"one_hot"``,
    ``"multi_hot"``, ``"count"`` mode and float32 ones in ``"tf_idf"`` mode (as Keras on
    torch returns them); with ``invert=True``, a numpy array of str of the input's shape
    (Keras on torch returns a list of str, and only for 1-D inputs).

    Strings are not torch values, so the layer works on the host, on numpy arrays of str:
    eagerly on data, or as a first layer of a model, called on ``Input(dtype="string")``
    (the model's string stage, see docs/functional-api.md).

    Example:
        >>> layer = StringLookup(vocabulary=["a", "b", "c"])
        >>> layer([["a", "c"], ["d", "b"]])   # tensor([[1, 3], [0, 2]])
    """

    def __init__(self, max_tokens=None, num_oov_indices=1, mask_token=None, oov_token="[UNK]",
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 pad_to_max_tokens=False, sparse=False, encoding="utf-8", name=None, salt=None,
                 **kwargs):
        kwargs.pop("vocabulary_dtype", None)  # always "string"
        self.encoding = encoding
        super().__init__(max_tokens=max_tokens, num_oov_indices=num_oov_indices,
                         mask_token=mask_token, oov_token=oov_token, vocabulary=vocabulary,
                         idf_weights=idf_weights, invert=invert, output_mode=output_mode,
                         pad_to_max_tokens=pad_to_max_tokens, sparse=sparse, name=name,
                         salt=salt, vocabulary_dtype="string", **kwargs)

    def _token(self, value):
        if isinstance(value, bytes):
            return value.decode(self.encoding)
        if isinstance(value, str):
            return str(value)
        raise TypeError(f"{self._where()}: vocabulary and special tokens must be strings; got "
                        f"{type(value).__name__} {value!r}")

    def _file_encoding(self) -> str:
        return self.encoding

    def _values(self, inputs) -> np.ndarray:
        return text_processing.to_string_array(inputs, self.encoding, self._where())

    def _tokens_out(self, tokens: np.ndarray, device):
        return tokens

    accepts_strings = True  # a layer of the string stage: it may read Input(dtype="string")

    def __call__(self, inputs, *args, **kwargs):
        if any_symbolic(inputs):
            if not self.invert:
                refuse_numeric_symbolic(self._where(), inputs)
            return Layer.__call__(self, inputs, *args, **kwargs)  # records a graph node
        return super().__call__(inputs, *args, **kwargs)

    def get_config(self) -> dict:
        config = super().get_config()
        del config["vocabulary_dtype"]  # as Keras's StringLookup config
        return {**config, "encoding": self.encoding}
