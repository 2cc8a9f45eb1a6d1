"""``TextVectorization``: raw strings to token ids or to bag-of-words vectors (Keras 3).

The steps, as in Keras: standardize each string (lowercase, strip punctuation), split it into
tokens (words or characters), make n-grams, look each token up in the vocabulary, and return
either the ids (``"int"``) or one vector per string (``"multi_hot"``, ``"count"``,
``"tf_idf"``).

Strings have no torch dtype, so the layer runs on the host, on numpy arrays of str. It works
eagerly on data (``x = vectorizer(texts)`` then ``model.fit(x, y)``) and as the first layer of
a model, called on ``Input(shape=(1,), dtype="string")`` (the model's string stage, see
docs/functional-api.md): the model then takes raw strings in ``fit`` / ``predict``.

Saving: the vocabulary (and the tf-idf weights) are kept *in the config*: ``get_config()``
returns them under ``"vocabulary"`` and ``"idf_weights"`` whether they were given or learned
by ``adapt``, so ``from_config(get_config())`` rebuilds a ready layer. Keras 3 keeps a learned
vocabulary out of the config, in an asset file ``vocabulary.txt``; ``save_assets`` /
``load_assets`` read and write that file the same way.
"""

from __future__ import annotations

import os

import numpy as np
import torch
from torch import nn

from sloi.engine import Layer
from sloi.engine.known_functions import to_config
from sloi.engine.symbolic import any_symbolic
from sloi.layers.preprocessing import text_processing
from sloi.layers.preprocessing.mixed_inputs import refuse_numeric_symbolic
from sloi.layers.preprocessing.vocabulary_assets import (
    VocabularyAssets,
    read_vocabulary_lines,
    refuse_vocabulary_file,
)

MASK_TOKEN = ""
OOV_TOKEN = "[UNK]"
_OUTPUT_MODES = ("int", "multi_hot", "count", "tf_idf")
_MODE_ALIASES = {"binary": "multi_hot", "tf-idf": "tf_idf"}


class TextVectorization(VocabularyAssets, Layer):
    """Maps strings to sequences of token ids, or to one vector per string.

    Args:
        max_tokens: largest vocabulary size, the ``""`` padding token (in ``"int"`` mode)
            and the ``"[UNK]"`` out-of-vocabulary token included. ``adapt`` keeps the most
            frequent tokens. None: no limit.
        standardize: ``"lower_and_strip_punctuation"`` (default), ``"lower"``,
            ``"strip_punctuation"``, None, or a function given a numpy array of strings and
            returning one of the same shape. As in Keras, ``"lower"`` lowercases ASCII
            letters only ("Привет" stays "Привет"); for Russian text pass a function, e.g.
            ``def lower(a): return np.char.lower(a)`` (a module-level ``def`` survives
            ``get_config`` / ``from_config``; a lambda needs ``custom_objects``).
        split: ``"whitespace"`` (default; ASCII whitespace), ``"character"``, None (each
            string is one token), or a function given a numpy array of strings, shape
            ``(batch,)``, and returning one list of tokens per string.
        ngrams: None, an integer n (n-grams of widths 1..n) or a tuple of widths.
        output_mode: ``"int"`` (ids, 0 for padding, 1 for unknown tokens), ``"multi_hot"``,
            ``"count"`` or ``"tf_idf"`` (one vector per string, index 0 for unknown tokens).
        output_sequence_length: ``"int"`` mode only: pad with 0 or cut every sequence to
            this length. Without it, sequences are padded to the longest in the batch.
        pad_to_max_tokens: vector modes only: vectors have ``max_tokens`` entries even when
            the vocabulary is smaller.
        vocabulary: a list of tokens (or a path to a text file, one token a line) instead of
            ``adapt``; it may start with the special tokens (``""``, ``"[UNK]"``) or not.
        idf_weights: ``"tf_idf"`` mode with a given ``vocabulary``: one weight per token.
        sparse, ragged: must be False (as with Keras 3 on a backend other than TensorFlow).
        encoding: how ``bytes`` inputs and vocabulary files are decoded, ``"utf-8"`` by default.

    Call arguments:
        inputs: a string, or a list / numpy array of strings of shape ``(batch,)`` or
            ``(batch, 1)`` (bytes are decoded with ``encoding``).

    Output: a torch tensor: ``int64`` ids of shape ``(batch, sequence_length)`` in ``"int"``
    mode; ``float32`` vectors of shape ``(batch, vocabulary_size)`` (or ``max_tokens``)
    otherwise.

    Example:
        >>> vectorizer = TextVectorization(max_tokens=1000, output_sequence_length=4)
        >>> vectorizer.adapt(["я иду гулять", "я иду домой"])
        >>> vectorizer(["я иду в кино"])            # tensor([[2, 3, 1, 1]])
    """

    def __init__(
        self, max_tokens=None, standardize="lower_and_strip_punctuation", split="whitespace",
        ngrams=None, output_mode="int", output_sequence_length=None, pad_to_max_tokens=False,
        vocabulary=None, idf_weights=None, sparse=False, ragged=False, encoding="utf-8",
        name=None, **kwargs,
    ):
        has_input_vocabulary = kwargs.pop("has_input_vocabulary", vocabulary is not None)
        kwargs.pop("vocabulary_size", None)  # Keras's config carries it; sloi recomputes it
        super().__init__(name=name, **kwargs)
        output_mode = _MODE_ALIASES.get(output_mode, output_mode)
        self._check_arguments(max_tokens, standardize, split, ngrams, output_mode,
                              output_sequence_length, pad_to_max_tokens, idf_weights,
                              sparse, ragged)
        self.max_tokens = None if max_tokens is None else int(max_tokens)
        self.standardize = standardize
        self.split = split
        self.ngrams = tuple(ngrams) if isinstance(ngrams, list) else ngrams
        self._widths = tuple(range(1, ngrams + 1)) if isinstance(ngrams, int) else self.ngrams
        self.output_mode = output_mode
        self.output_sequence_length = output_sequence_length
        self.pad_to_max_tokens = bool(pad_to_max_tokens)
        self.encoding = encoding
        self._has_input_vocabulary = bool(has_input_vocabulary)
        for fn in (standardize, split):
            if callable(fn):
                text_processing.remember_function(fn)
        self._tokens: list[str] | None = None  # the vocabulary, special tokens left out
        self._index: dict[str, int] = {}
        self._idf: np.ndarray | None = None  # one weight per output column (float32)
        self.built = True  # no weights
        if vocabulary is not None:
            self.set_vocabulary(vocabulary, idf_weights)

    def _check_arguments(self, max_tokens, standardize, split, ngrams, output_mode,
                         output_sequence_length, pad_to_max_tokens, idf_weights, sparse, ragged):
        def fail(message):
            raise ValueError(f'Layer "{self.name}" (TextVectorization): {message}')

        if not (standardize is None or callable(standardize)
                or standardize in text_processing.STANDARDIZE_OPTIONS):
            fail(f"standardize must be one of {text_processing.STANDARDIZE_OPTIONS}, None or a "
                 f"function; got {standardize!r}")
        if not (split is None or callable(split) or split in text_processing.SPLIT_OPTIONS):
            fail(f"split must be one of {text_processing.SPLIT_OPTIONS}, None or a function; "
                 f"got {split!r}")
        if output_mode not in _OUTPUT_MODES:
            fail(f"output_mode must be one of {_OUTPUT_MODES}; got {output_mode!r}")
        widths = [ngrams] if isinstance(ngrams, int) else ngrams
        if not (ngrams is None or (isinstance(widths, (list, tuple)) and widths and all(
                isinstance(n, int) and not isinstance(n, bool) and n >= 1 for n in widths))):
            fail(f"ngrams must be None, a positive integer or a tuple of them; got {ngrams!r}")
        if max_tokens is not None and (not isinstance(max_tokens, (int, np.integer))
                                       or max_tokens <= 1):
            fail(f"max_tokens must be None or an integer greater than 1; got {max_tokens!r}")
        if pad_to_max_tokens and max_tokens is None:
            fail("pad_to_max_tokens=True needs max_tokens")
        if output_sequence_length is not None:
            if output_mode != "int":
                fail(f'output_sequence_length only applies to output_mode="int"; got '
                     f"output_mode={output_mode!r}")
            if not isinstance(output_sequence_length, (int, np.integer)) or (
                    output_sequence_length < 0):
                fail("output_sequence_length must be None or a non-negative integer; got "
                     f"{output_sequence_length!r}")
        if idf_weights is not None and output_mode != "tf_idf":
            fail(f'idf_weights only apply to output_mode="tf_idf"; got {output_mode!r}')
        if sparse or ragged:
            fail("sparse and ragged outputs are not supported (torch tensors are dense); "
                 "pass sparse=False, ragged=False")

    # ------------------------------------------------------------------ vocabulary
    def _token_start_index(self) -> int:
        """Index of the first real token: after "" and "[UNK]" in int mode, after "[UNK]"
        otherwise."""
        return 2 if self.output_mode == "int" else 1

    def _special_tokens(self) -> list[str]:
        return [MASK_TOKEN, OOV_TOKEN] if self.output_mode == "int" else [OOV_TOKEN]

    def vocabulary_size(self) -> int:
        """Size of the vocabulary, special tokens included."""
        return self._token_start_index() + len(self._tokens or ())

    def get_vocabulary(self, include_special_tokens=True) -> list[str]:
        """The vocabulary, so that a token's position is its index in the output."""
        tokens = list(self._tokens or ())
        return self._special_tokens() + tokens if include_special_tokens else tokens

    def set_vocabulary(self, vocabulary, idf_weights=None) -> None:
        """Set the vocabulary (and the tf-idf weights) instead of learning them by ``adapt``.

        Args:
            vocabulary: a list, tuple or 1-D array of strings, or a path to a text file with
                one token a line. It may start with the special tokens, in Keras's order
                (``["", "[UNK]", ...]`` in ``"int"`` mode, ``["[UNK]", ...]`` otherwise).
            idf_weights: ``"tf_idf"`` mode only (and required there): one weight per entry
                of ``vocabulary``.
        """
        where = f'Layer "{self.name}" (TextVectorization)'
        if self.output_mode == "tf_idf" and idf_weights is None:
            raise ValueError(f'{where}: in "tf_idf" mode set_vocabulary needs idf_weights')
        if self.output_mode != "tf_idf" and idf_weights is not None:
            raise ValueError(f'{where}: idf_weights only apply to output_mode="tf_idf"; '
                             f"got output_mode={self.output_mode!r}")
        vocabulary = self._read_vocabulary(vocabulary, where)
        specials = self._special_tokens()
        has_specials = vocabulary[:len(specials)] == specials
        tokens = vocabulary[len(specials):] if has_specials else vocabulary
        repeated = sorted({t for t in tokens if tokens.count(t) > 1}) if len(
            set(tokens)) != len(tokens) else []
        if repeated:
            raise ValueError(f"{where}: the vocabulary repeats {repeated}; each token must "
                             "appear once")
        if MASK_TOKEN in tokens:
            raise ValueError(
                f'{where}: the padding token "" may only be first in the vocabulary, followed '
                f'by "[UNK]" ({specials}); found it at position {vocabulary.index(MASK_TOKEN)}')
        size = len(specials) + len(tokens)
        if self.max_tokens is not None and size > self.max_tokens:
            raise ValueError(f"{where}: a vocabulary of {size} tokens (special tokens "
                             f"included) is larger than max_tokens={self.max_tokens}")
        idf = None
        if idf_weights is not None:
            idf = np.asarray(idf_weights, dtype=np.float64)
            if idf.ndim != 1 or len(idf) != len(vocabulary):
                raise ValueError(
                    f"{where}: idf_weights must be a 1-D list of one weight per vocabulary "
                    f"entry ({len(vocabulary)}); got shape {idf.shape}")
            if not has_specials:  # "[UNK]" weighs the mean weight, as in Keras
                idf = np.concatenate([[np.mean(idf)], idf])
        self._set_tokens(tokens, idf)

    def _read_vocabulary(self, vocabulary, where) -> list[str]:
        if isinstance(vocabulary, (str, os.PathLike)):
            return read_vocabulary_lines(vocabulary, where, self.encoding)
        if isinstance(vocabulary, torch.Tensor):
            raise TypeError(f"{where}: the vocabulary must be strings; got a torch.Tensor")
        items = np.asarray(vocabulary, dtype=object).reshape(-1).tolist()
        tokens = [text_processing.decode(t, self.encoding, where) for t in items]
        if not tokens:
            raise ValueError(f"{where}: cannot set an empty vocabulary")
        return tokens

    # ------------------------------------------------------------------ adapt
    def adapt(self, data, batch_size=None, steps=None) -> None:
        """Learn the vocabulary (and the tf-idf weights) from ``data``.

        Tokens are ranked by count, most frequent first, ties broken as Keras breaks them (the
        token that sorts last comes first); ``max_tokens`` keeps the top of that list.

        Args:
            data: a list / numpy array of strings (shape ``(n,)`` or ``(n, 1)``), or any
                iterable of such batches (a generator, a DataLoader).
            batch_size: accepted for Keras compatibility; unused.
            steps: with an iterable, read at most this many batches.
        """
        if self._has_input_vocabulary:
            raise ValueError(
                f'Layer "{self.name}" (TextVectorization) was given its vocabulary; it cannot '
                "also learn one with adapt(). Create the layer without vocabulary= to adapt it")
        counter = text_processing.VocabularyCounter()
        if _is_batch(data):
            array = self._to_string_array(data)
            if array.ndim <= 1:  # each string is its own document
                array = array.reshape(-1, 1)
            counter.update(self._rows(self._tokenize(array)))
        elif steps is None or steps > 0:
            for i, batch in enumerate(data):
                counter.update(self._rows(self._tokenize(self._to_string_array(batch))))
                if steps is not None and i + 1 >= steps:
                    break  # before asking for one more: a stream may be endless
        if not counter.token_counts:
            return  # nothing seen: the vocabulary stays as it was (Keras does the same)
        limit = None if self.max_tokens is None else self.max_tokens - self._token_start_index()
        tokens = counter.most_common({MASK_TOKEN, OOV_TOKEN}, limit)
        idf = None
        if self.output_mode == "tf_idf":
            weights = counter.idf_weights(tokens)
            oov = np.mean(weights) if len(weights) else np.float32(0)
            idf = np.concatenate([np.full(self._token_start_index(), oov, np.float32), weights])
        self._set_tokens(tokens, idf)

    # ------------------------------------------------------------------ calling
    accepts_strings = True  # a layer of the string stage: it may read Input(dtype="string")

    def __call__(self, inputs, *args, **kwargs):
        if any_symbolic(inputs):
            refuse_numeric_symbolic(self._where(), inputs)
            return Layer.__call__(self, inputs, *args, **kwargs)  # records a graph node
        # nn.Module's call (hooks included), without Layer's conversion of inputs to tensors
        return nn.Module.__call__(self, inputs, *args, **kwargs)

    def call(self, inputs):
        if self.output_mode != "int" and not self.pad_to_max_tokens and self._tokens is None:
            raise RuntimeError(
                f'Layer "{self.name}" (TextVectorization): output_mode="{self.output_mode}" '
                "needs a vocabulary before the layer is called: pass vocabulary= or call "
                "adapt() on sample texts first (or set pad_to_max_tokens=True with max_tokens)")
        array = self._to_string_array(inputs)
        flat = text_processing.flat_tokens(array, self.standardize, self.split, self._widths)
        if flat is not None:  # the batch at once, no Python loop per string
            return torch.from_numpy(self._flat_output(flat))
        tokens = self._tokenize(array)
        if self.output_mode == "int":
            return torch.from_numpy(self._ids(tokens))
        return torch.from_numpy(self._vectors(tokens))

    def _flat_output(self, tokens) -> np.ndarray:
        """``_ids`` / ``_vectors`` for ``text_processing.flat_tokens``'s tokens (none of them
        is the padding token "": splitting never gives an empty token)."""
        cached = self.__dict__.get("_flat_index")
        if cached is None or cached[0] is not self._index:  # a new vocabulary
            cached = self._flat_index = (self._index, text_processing.with_separator(self._index))
        if self.output_mode == "int":
            ids, lengths = text_processing.lookup(tokens, cached[1], 1)
            width = self.output_sequence_length
            if width is None:
                width = int(lengths.max()) if len(lengths) else 0
            return text_processing.padded(ids, lengths, width)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        ids, lengths = text_processing.lookup(tokens, cached[1], 0)
        rows = np.repeat(np.arange(len(lengths)), lengths)
        out = np.bincount(rows * depth + ids, minlength=len(lengths) * depth)
        out = out.reshape(len(lengths), depth).astype(np.float32)
        if self.output_mode == "multi_hot":
            out = np.minimum(out, 1.0)
        elif self.output_mode == "tf_idf":
            out = out * self._idf[:depth]
        return out

    def _ids(self, tokens) -> np.ndarray:
        """int64 ids: 0 for the padding token "", 1 for unknown tokens."""
        index = self._index
        length = self.output_sequence_length
        if isinstance(tokens, text_processing.Rows):
            rows = [[0 if t == MASK_TOKEN else index.get(t, 1) for t in row] for row in tokens]
            width = max((len(r) for r in rows), default=0) if length is None else length
            out = np.zeros((len(rows), width), dtype=np.int64)
            for i, row in enumerate(rows):
                row = row[:width]
                out[i, :len(row)] = row
            return out[0] if tokens.single else out
        flat = [0 if t == MASK_TOKEN else index.get(t, 1) for t in tokens.reshape(-1)]
        out = np.array(flat, dtype=np.int64).reshape(tokens.shape)
        if length is not None:  # pad or cut the last axis, whatever the rank (as Keras)
            out = out.reshape(-1) if out.ndim == 0 else out
            out = out[..., :length]
            pad = [(0, 0)] * (out.ndim - 1) + [(0, length - out.shape[-1])]
            out = np.pad(out, pad)
        return out

    def _vectors(self, tokens) -> np.ndarray:
        """float32 vectors, one per row: multi-hot, counts, or counts times idf weights."""
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        rows = self._rows(tokens)
        out = np.zeros((len(rows), depth), dtype=np.float32)
        index = self._index
        for i, row in enumerate(rows):
            for t in row:
                if t != MASK_TOKEN:  # padding tokens are dropped, not counted
                    out[i, index.get(t, 0)] += 1.0
        if self.output_mode == "multi_hot":
            out = np.minimum(out, 1.0)
        elif self.output_mode == "tf_idf":
            out = out * self._idf[:depth]
        single = tokens.single if isinstance(tokens, text_processing.Rows) else tokens.ndim <= 1
        return out[0] if single else out

    # ------------------------------------------------------------------ text processing
    def _where(self) -> str:
        return f'Layer "{self.name}" (TextVectorization)'

    def _to_string_array(self, inputs) -> np.ndarray:
        return text_processing.to_string_array(inputs, self.encoding, self._where())

    def _tokenize(self, array: np.ndarray):
        return text_processing.tokenize(array, self.standardize, self.split, self._widths,
                                        self.encoding, self._where())

    _rows = staticmethod(text_processing.rows_of)

    def compute_output_dtype(self, input_dtype):
        return torch.int64 if self.output_mode == "int" else torch.float32

    def compute_output_shape(self, input_shape):
        if self.output_mode == "int":
            return (input_shape[0], self.output_sequence_length)
        depth = self.max_tokens if self.pad_to_max_tokens else self.vocabulary_size()
        return (input_shape[0], depth)

    # ------------------------------------------------------------------ config and assets
    def get_config(self) -> dict:
        idf = None
        if self._idf is not None:
            idf = [float(w) for w in self._idf[:self.vocabulary_size()]]
        return {
            **super().get_config(),
            "max_tokens": self.max_tokens,
            "standardize": to_config(self.standardize),
            "split": to_config(self.split),
            "ngrams": self.ngrams,
            "output_mode": self.output_mode,
            "output_sequence_length": self.output_sequence_length,
            "pad_to_max_tokens": self.pad_to_max_tokens,
            "sparse": False,
            "ragged": False,
            "vocabulary": self.get_vocabulary() if self._tokens is not None else None,
            "idf_weights": idf,
            "encoding": self.encoding,
            "vocabulary_size": self.vocabulary_size(),
            "has_input_vocabulary": self._has_input_vocabulary,
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        for key, options in (("standardize", text_processing.STANDARDIZE_OPTIONS),
                             ("split", text_processing.SPLIT_OPTIONS)):
            value = config.get(key)
            if isinstance(value, dict):  # Keras serializes a function as a dict
                value = value.get("config", value.get("class_name"))
            if isinstance(value, str) and value not in options:
                value = text_processing.resolve_function(value, key, config.get("name"),
                                                         custom_objects)
            config[key] = value
        refuse_vocabulary_file(cls, config)
        if isinstance(config.get("ngrams"), list):
            config["ngrams"] = tuple(config["ngrams"])
        return cls(**config)


def _is_batch(data) -> bool:
    """One batch of strings (rather than an iterable of batches)."""
    return isinstance(data, (str, bytes, list, tuple, np.ndarray)) or hasattr(data, "numpy")
