"""``IndexLookup``: what ``StringLookup`` and ``IntegerLookup`` share (as in Keras 3): a
vocabulary given or learned by ``adapt``, the lookup of each value with its mask and
out-of-vocabulary (OOV) indices, the inverse lookup, and the vector outputs.

Keras 3 keeps the vocabulary in TensorFlow hash tables and refuses to create these layers
without TensorFlow; sloi keeps it in a Python dict, looking up each distinct value once.

Index layout, as in Keras (``"int"`` mode, ``mask_token`` set, ``num_oov_indices=2``)::

    0: mask_token   1, 2: OOV buckets   3...: the vocabulary, most frequent first

Without a mask token (or in a vector mode) the OOV indices start at 0.

Saving: as with sloi's ``TextVectorization``, ``get_config()`` carries the vocabulary (and
the tf-idf weights) whether given or learned, with ``"has_input_vocabulary"`` telling which,
so that ``from_config(get_config())`` rebuilds a ready layer; ``save_assets`` /
``load_assets`` read and write Keras's ``vocabulary.txt``.
"""

from __future__ import annotations

import collections
import math
import os

import numpy as np
import torch
from torch import nn

from sloi.engine import Layer
from sloi.layers.preprocessing import index_encoding, string_hashing
from sloi.layers.preprocessing.vocabulary_assets import (
    VocabularyAssets,
    read_vocabulary_lines,
    refuse_vocabulary_file,
)

_OUTPUT_MODES = ("int", "one_hot", "multi_hot", "count", "tf_idf")
_MODE_ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


class IndexLookup(VocabularyAssets, Layer):
    """Base of ``StringLookup`` and ``IntegerLookup``; see their docstrings.

    Subclasses say how values come in (``_values``), how a vocabulary entry reads
    (``_token``) and whether values are integers (``_integer_keys``).
    """

    _integer_keys = False

    def __init__(self, max_tokens, num_oov_indices, mask_token, oov_token, vocabulary_dtype,
                 vocabulary=None, idf_weights=None, invert=False, output_mode="int",
                 sparse=False, pad_to_max_tokens=False, oov_method="floormod", name=None,
                 salt=None, **kwargs):
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)  # Keras's config carries it; sloi recomputes it
        super().__init__(name=name, **kwargs)
        where = self._where()
        if max_tokens is not None and (isinstance(max_tokens, bool) or not isinstance(
                max_tokens, int) or max_tokens <= 1):
            raise ValueError(f"{where}: `max_tokens` must be an integer greater than 1 (or "
                             f"None); got max_tokens={max_tokens!r}")
        if pad_to_max_tokens and max_tokens is None:
            raise ValueError(f"{where}: `pad_to_max_tokens=True` needs `max_tokens`")
        if isinstance(num_oov_indices, bool) or not isinstance(
                num_oov_indices, int) or num_oov_indices < 0:
            raise ValueError(f"{where}: `num_oov_indices` must be an integer >= 0; got "
                             f"num_oov_indices={num_oov_indices!r}")
        if oov_method not in ("floormod", "farmhash"):
            raise ValueError(f'{where}: `oov_method` must be "floormod" or "farmhash"; got '
                             f"oov_method={oov_method!r}")
        if salt is not None:
            if self._integer_keys and oov_method != "farmhash":
                raise ValueError(f'{where}: `salt` only applies with oov_method="farmhash"; '
                                 f"got oov_method={oov_method!r}")
            if isinstance(salt, (tuple, list)) and len(salt) == 2:
                salt = [int(s) for s in salt]
            elif isinstance(salt, int) and not isinstance(salt, bool):
                salt = [salt, salt]
            else:
                raise ValueError(f"{where}: `salt` must be an int or a pair of ints; got "
                                 f"salt={salt!r}")
        output_mode = _MODE_ALIASES.get(output_mode, output_mode)
        index_encoding.check_output_mode(where, output_mode, _OUTPUT_MODES)
        if invert and output_mode != "int":
            raise ValueError(f'{where}: `invert=True` needs output_mode="int"; got '
                             f"output_mode={output_mode!r}")
        index_encoding.refuse_sparse(where, sparse)
        if idf_weights is not None and output_mode != "tf_idf":
            raise ValueError(f'{where}: `idf_weights` only apply to output_mode="tf_idf"; got '
                             f"output_mode={output_mode!r}")
        if output_mode == "tf_idf" and has_input_vocabulary and idf_weights is None \
                and vocabulary is not None:
            raise ValueError(f'{where}: with output_mode="tf_idf", a given `vocabulary` needs '
                             "`idf_weights` too")
        self.invert = invert
        self.max_tokens = max_tokens
        self.num_oov_indices = num_oov_indices
        self.mask_token = self._token(mask_token) if mask_token is not None else None
        self.oov_token = self._token(oov_token) if oov_token is not None else None
        self.output_mode = output_mode
        self.sparse = sparse
        self.pad_to_max_tokens = pad_to_max_tokens
        self.vocabulary_dtype = vocabulary_dtype
        self.oov_method = oov_method
        self.salt = salt
        self._has_input_vocabulary = bool(has_input_vocabulary)
        self._tokens: list | None = None  # the vocabulary without the special tokens
        self._index: dict = {}
        self._idf: np.ndarray | None = None  # float32, one weight per output column
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    def _where(self) -> str:
        return f'Layer "{self.name}" ({type(self).__name__})'

    # ------------------------------------------------------------------ index layout
    def _oov_start_index(self) -> int:
        return 1 if self.mask_token is not None and self.output_mode == "int" else 0

    def _token_start_index(self) -> int:
        return self._oov_start_index() + self.num_oov_indices

    def vocabulary_size(self) -> int:
        """The number of indices: the special ones and the vocabulary."""
        return self._token_start_index() + len(self._tokens or ())

    def get_vocabulary(self, include_special_tokens=True) -> list:
        """The token of each index: the mask token (``"int"`` mode), the OOV token once per
        OOV index, then the vocabulary."""
        tokens = list(self._tokens or ())
        if not include_special_tokens:
            return tokens
        oov_start = self._oov_start_index()
        return [self.mask_token] * oov_start + [self.oov_token] * self.num_oov_indices + tokens

    # ------------------------------------------------------------------ the vocabulary
    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (and, in ``"tf_idf"`` mode, the idf weights).

        Args:
            vocabulary: a list / tuple / 1-D array of tokens, or a path to a text file with
                one token a line. It may start with the special tokens in index order
                (``get_vocabulary()`` gives such a list) or leave them out.
            idf_weights: ``"tf_idf"`` mode only (and required there): one weight per
                entry of ``vocabulary``; left without the special tokens, the OOV indices
                weigh the mean weight, as in Keras.
        """
        where = self._where()
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f'{where}: with output_mode="tf_idf", set_vocabulary needs '
                             "`idf_weights`")
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f'{where}: `idf_weights` only apply to output_mode="tf_idf"; got '
                             f"output_mode={self.output_mode!r}")
        if isinstance(vocabulary, (str, os.PathLike)):
            if self.output_mode == "tf_idf":
                raise ValueError(f'{where}: output_mode="tf_idf" cannot read its vocabulary '
                                 "from a file; pass the tokens and their idf_weights")
            vocabulary = self._read_vocabulary_file(vocabulary, where)
        if isinstance(vocabulary, torch.Tensor):
            vocabulary = vocabulary.detach().cpu().numpy()
        vocabulary = [self._token(t) for t in np.asarray(vocabulary, dtype=object).reshape(-1)]
        if not vocabulary:
            raise ValueError(f"{where}: cannot set an empty vocabulary")
        token_start = self._token_start_index()
        specials = self.get_vocabulary()[:token_start]
        has_specials = vocabulary[:token_start] == specials
        tokens = vocabulary[token_start:] if has_specials else vocabulary
        repeated = [t for t, n in collections.Counter(tokens).items() if n > 1]
        if repeated:
            raise ValueError(f"{where}: the vocabulary repeats {repeated}; each token must "
                             "appear once")
        if self.mask_token is not None and self.mask_token in tokens:
            raise ValueError(
                f"{where}: the mask token {self.mask_token!r} may only come first in the "
                f"vocabulary, with the special tokens in this order: {specials}; found it at "
                f"index {len(vocabulary) - 1 - vocabulary[::-1].index(self.mask_token)}")
        if self.invert and self.oov_token is not None and self.oov_token in tokens:
            raise ValueError(
                f"{where}: the OOV token {self.oov_token!r} may only come first in the "
                f"vocabulary, with the special tokens in this order: {specials}")
        size = token_start + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{where}: a vocabulary of {size} indices (special ones "
                             f"included) is larger than max_tokens={self.max_tokens}")
        idf = None
        if idf_weights is not None:
            if isinstance(idf_weights, torch.Tensor):
                idf_weights = idf_weights.detach().cpu().numpy()
            idf = np.asarray(idf_weights, dtype=np.float64)
            if idf.ndim != 1 or len(idf) != len(vocabulary):
                raise ValueError(f"{where}: `idf_weights` must be a 1-D list of one weight per "
                                 f"vocabulary entry ({len(vocabulary)}); got shape {idf.shape}")
            if not has_specials:
                idf = np.concatenate([np.full(token_start, np.mean(idf)), idf])
        self._set_tokens(tokens, idf)

    def _read_vocabulary_file(self, path, where) -> list:
        return read_vocabulary_lines(path, where, getattr(self, "encoding", "utf-8"))

    # ------------------------------------------------------------------ adapt
    def adapt(self, data, steps=None) -> None:
        """Learn the vocabulary from ``data``: the values by count, most frequent first
        (ties: the larger value first, as Keras sorts them), at most ``max_tokens`` indices
        in all; in ``"tf_idf"`` mode, the idf weights ``log(1 + documents / (1 + documents
        with the token))`` too.

        Args:
            data: one batch (a list, numpy array or tensor; a 1-D batch holds one value per
                document) or an iterable of batches (each 1-D batch is one document).
            steps: with an iterable, read at most this many batches.
        """
        if self._has_input_vocabulary:
            raise ValueError(f"{self._where()} was given its vocabulary (vocabulary= or "
                             "set_vocabulary()); it cannot also learn one with adapt()")
        counts: collections.Counter = collections.Counter()
        doc_counts: collections.Counter = collections.Counter()
        documents = 0
        if isinstance(data, (list, tuple, np.ndarray, torch.Tensor, str, bytes)):
            batches, single = [data], True
        else:
            batches, single = data, False
        for i, batch in enumerate(batches):
            if steps is not None and not single and i >= steps:
                break
            values = self._values(batch)
            if values.ndim == 0:
                values = values.reshape(1)
            if values.ndim == 1:
                values = values.reshape(-1, 1) if single else values.reshape(1, -1)
            counts.update(values.reshape(-1).tolist())
            if self.output_mode == "tf_idf":
                for row in values:
                    doc_counts.update(set(np.asarray(row).reshape(-1).tolist()))
                documents += len(values)
        for special in (self.mask_token, self.oov_token):
            counts.pop(special, None)
        if not counts:
            return  # nothing seen: the vocabulary stays as it was (as in Keras)
        ranked = sorted(counts.items(), key=lambda item: (item[1], item[0]), reverse=True)
        tokens = [t for t, _ in ranked]
        if self.max_tokens:
            tokens = tokens[:self.max_tokens - self._token_start_index()]
        idf = None
        if self.output_mode == "tf_idf":
            weights = np.array([math.log(1 + documents / (1 + doc_counts[t])) for t in tokens],
                               dtype=np.float32)
            idf = np.concatenate([np.full(self._token_start_index(), np.mean(weights),
                                          np.float32), weights])
        self._set_tokens(tokens, idf)

    # ------------------------------------------------------------------ calling
    def __call__(self, inputs, *args, **kwargs):
        # values other than tensors (strings, lists): nn.Module's call, unconverted
        return nn.Module.__call__(self, inputs, *args, **kwargs)

    def call(self, inputs):
        device = inputs.device if isinstance(inputs, torch.Tensor) else None
        if self.invert:
            return self._inverse(self._indices_in(inputs), device)
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._tokens is None:
            raise RuntimeError(
                f'{self._where()}: output_mode="{self.output_mode}" needs a vocabulary before '
                "the layer is called: pass vocabulary= or call adapt() on sample data first "
                "(or set pad_to_max_tokens=True with max_tokens)")
        indices = torch.from_numpy(self._lookup(self._values(inputs)))
        if device is not None:
            indices = indices.to(device)
        if self.output_mode == "int":
            return indices
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        if self.output_mode != "tf_idf":
            return index_encoding.encode(indices, self.output_mode, depth, torch.int64,
                                         self._where())
        counts = index_encoding.encode(indices, "count", depth, torch.int64, self._where())
        idf = torch.from_numpy(self._idf[:depth]).to(counts.device)
        return counts.to(self._dtype) * idf.to(self._dtype)

    def _lookup(self, values: np.ndarray) -> np.ndarray:
        """int64 indices of the values' shape. In the vector modes a masked value gets -1
        (it counts nowhere), as Keras's out-of-range mask index does."""
        where = self._where()
        oov_start = self._oov_start_index()
        missing = oov_start if self.num_oov_indices == 1 else -1
        mask_index = 0 if self.output_mode == "int" else -1
        flat = values.reshape(-1).tolist()
        distinct = list(dict.fromkeys(flat))
        index = {}
        unknown = []
        for v in distinct:
            if self.mask_token is not None and v == self.mask_token:
                index[v] = mask_index
            elif v in self._index:
                index[v] = self._index[v]
            elif self.num_oov_indices == 0:
                unknown.append(v)
            elif self.num_oov_indices == 1:
                index[v] = missing
            else:
                index[v] = oov_start + self._oov_bucket(v)
        if unknown:
            raise ValueError(f"{where}: with num_oov_indices=0 every value must be in the "
                             f"vocabulary; found {unknown[:10]} (set num_oov_indices=1 to "
                             "map unknown values to an OOV index)")
        return np.fromiter(map(index.__getitem__, flat), np.int64, len(flat)).reshape(
            values.shape)  # one C-level map over the values, no Python loop per value

    def _oov_bucket(self, value) -> int:
        """Which of several OOV indices an unknown value takes: the integer modulo their
        number (``oov_method="floormod"``), else its FarmHash (SipHash with a ``salt``)."""
        if self._integer_keys and self.oov_method == "floormod":
            return int(value) % self.num_oov_indices
        return int(string_hashing.hash_buckets(np.array([value], dtype=object),
                                               self.num_oov_indices, self.salt)[0])

    def _indices_in(self, inputs) -> np.ndarray:
        if isinstance(inputs, torch.Tensor):
            array = inputs.detach().cpu().numpy()
        else:
            array = np.asarray(inputs)
        if array.dtype.kind not in "iu":
            raise TypeError(f"{self._where()} with invert=True expects integer indices; got "
                            f"dtype {array.dtype}")
        return array.astype(np.int64)

    def _inverse(self, indices: np.ndarray, device):
        """Tokens for indices: the mask token for 0 (when there is one), the OOV token for
        OOV and unknown indices."""
        start = self._token_start_index()
        tokens = self._tokens or []
        out = np.empty(indices.shape, dtype=object)
        flat = out.reshape(-1)
        for k, i in enumerate(indices.reshape(-1).tolist()):
            if self.mask_token is not None and i == 0:
                flat[k] = self.mask_token
            elif start <= i < start + len(tokens):
                flat[k] = tokens[i - start]
            else:
                flat[k] = self.oov_token
        return self._tokens_out(out, device)

    def _tokens_out(self, tokens: np.ndarray, device):
        raise NotImplementedError

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return tuple(input_shape)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        return index_encoding.encoded_shape(input_shape, self.output_mode, depth)

    def compute_output_dtype(self, input_dtype):
        return self._dtype if self.output_mode == "tf_idf" else torch.int64

    # ------------------------------------------------------------------ config and assets
    def get_config(self) -> dict:
        idf = None
        if self._idf is not None and self._tokens is not None:
            idf = [float(w) for w in self._idf[:self.vocabulary_size()]]
        return {
            **super().get_config(),
            "invert": self.invert, "max_tokens": self.max_tokens,
            "num_oov_indices": self.num_oov_indices, "oov_token": self.oov_token,
            "mask_token": self.mask_token, "output_mode": self.output_mode,
            "sparse": self.sparse, "pad_to_max_tokens": self.pad_to_max_tokens,
            "vocabulary_dtype": self.vocabulary_dtype, "idf_weights": idf,
            "vocabulary": self.get_vocabulary() if self._tokens is not None else None,
            "vocabulary_size": self.vocabulary_size() if self._tokens is not None else None,
            "oov_method": self.oov_method, "salt": self.salt,
            "has_input_vocabulary": self._has_input_vocabulary,
        }

    @classmethod
    def from_config(cls, config: dict):
        refuse_vocabulary_file(cls, config)
        return cls(**config)
