"""String helpers behind ``TextVectorization``: standardize, split, n-grams, vocabulary counts.

They work on Python strings and numpy arrays of them (torch has no string dtype): ``tokenize``
turns an array of strings into token lists, ``VocabularyCounter`` ranks tokens. They follow
what Keras 3 does through TensorFlow's string ops, including where that is narrower than
Python's own string methods:

- ``"lower"`` lowercases ASCII letters only (``tf.strings.lower`` without an encoding):
  ``"ÉCOLE Привет"`` becomes ``"École Привет"``;
- punctuation means the 32 ASCII punctuation characters (``string.punctuation``); ``«»—…``
  and ``№`` stay;
- ``"whitespace"`` splits on runs of ASCII whitespace (space, ``\\t \\n \\r \\v \\f``); a
  no-break space (U+00A0) does not split;
- ``"character"`` splits into Unicode code points (``"é"`` written as ``e`` + U+0301 gives
  two tokens).
"""

from __future__ import annotations

import collections
import itertools
import math
import re
import string

import numpy as np
import torch

from sloi.engine.known_functions import KnownFunctions

STANDARDIZE_OPTIONS = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT_OPTIONS = ("whitespace", "character")

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_ASCII_WORD = re.compile(r"[^ \t\n\r\v\f]+")


_TABLES = {  # one str.translate each: ASCII letters lowered, ASCII punctuation deleted
    "lower": _ASCII_LOWER,
    "strip_punctuation": str.maketrans("", "", string.punctuation),
    "lower_and_strip_punctuation": str.maketrans(
        string.ascii_uppercase, string.ascii_lowercase, string.punctuation),
}


def standardize_text(text: str, how: str) -> str:
    """One of Keras's built-in standardizations applied to one string."""
    return text.translate(_TABLES[how])


def split_text(text: str, how: str) -> list[str]:
    """``"whitespace"``: runs of ASCII whitespace separate tokens (none are empty);
    ``"character"``: one token per code point."""
    if how == "whitespace":
        return _ASCII_WORD.findall(text)
    return list(text)


def ngrams(tokens: list[str], widths: tuple[int, ...] | None) -> list[str]:
    """All n-grams of each width in ``widths``, width by width, words joined by a space;
    a sequence shorter than a width gives none of that width (``tf.strings.ngrams``)."""
    if widths is None:
        return list(tokens)
    result = []
    for n in widths:
        result += [" ".join(tokens[i:i + n]) for i in range(len(tokens) - n + 1)]
    return result


_SEPARATOR = "\x00"
_WORD_OR_SEPARATOR = re.compile(r"[^ \t\n\r\v\f\x00]+|\x00")


def flat_tokens(array: np.ndarray, standardize, split, widths):
    """The tokens of a batch of strings (shape ``(n,)`` or ``(n, 1)``) as one flat list, each
    string's followed by a separator, or None where this path does not apply (a function as
    ``standardize`` or ``split``, n-grams, no split, another shape, a string holding NUL).

    The batch is joined by NUL into one string, standardized and split by single calls of
    C-level string methods (``translate``, ``re.sub``, ``re.findall``), and the NULs mark where
    each string's tokens end (``lookup``): the same tokens as ``tokenize``, without a Python
    loop per string."""
    if widths is not None or split not in SPLIT_OPTIONS or not (
            standardize is None or standardize in STANDARDIZE_OPTIONS):
        return None
    if array.ndim == 2 and array.shape[1] == 1:
        array = array[:, 0]
    if array.ndim != 1:
        return None
    strings = array.tolist()
    joined = _SEPARATOR.join(strings)
    if joined.count(_SEPARATOR) != len(strings) - 1:
        return None
    if standardize is not None:
        joined = standardize_text(joined, standardize)
    if split == "character":
        tokens = list(joined)
    elif joined.isascii() and not any(c in joined for c in "\x1c\x1d\x1e\x1f"):
        # str.split's whitespace is the ASCII one here (it also splits on \x1c-\x1f, and on
        # Unicode spaces, which the check rules out); about 3x faster than the regex
        tokens = joined.replace(_SEPARATOR, " \x00 ").split()
    else:
        tokens = _WORD_OR_SEPARATOR.findall(joined)
    tokens.append(_SEPARATOR)
    return tokens


def lookup(tokens: list, index: dict, missing: int):
    """``(ids, lengths)`` for ``flat_tokens``'s tokens: the index of each token (``missing``
    for unknown ones; one dict lookup per token, in C), and each string's token count.
    ``index`` must map the separator to -1 (``with_separator``)."""
    ids = np.fromiter(map(index.get, tokens, itertools.repeat(missing)), np.int64, len(tokens))
    ends = ids == -1
    lengths = np.diff(np.flatnonzero(ends), prepend=-1) - 1
    return ids[~ends], lengths


def with_separator(index: dict) -> dict:
    """``index`` and the separator of ``flat_tokens``, at -1."""
    return {**index, _SEPARATOR: -1}


def padded(ids: np.ndarray, lengths: np.ndarray, width: int) -> np.ndarray:
    """Rows of ``ids`` (``lengths[i]`` for row i, one after the other) cut or padded with 0
    to ``width``."""
    rows = np.repeat(np.arange(len(lengths)), lengths)
    starts = np.cumsum(lengths) - lengths
    position = np.arange(len(ids)) - np.repeat(starts, lengths)
    keep = position < width
    out = np.zeros((len(lengths), width), dtype=np.int64)
    out[rows[keep], position[keep]] = ids[keep]
    return out


class Rows(list):
    """Token lists, one per input string; ``single`` when the input was one string."""

    def __init__(self, rows, single=False):
        super().__init__(rows)
        self.single = single


def decode(value, encoding: str, where: str) -> str:
    """A Python string from a string or bytes; anything else is refused."""
    if isinstance(value, str):
        return value if type(value) is str else str(value)  # np.str_ -> str
    if isinstance(value, bytes):
        return value.decode(encoding)
    raise TypeError(f"{where} expects strings; got {type(value).__name__} {value!r}")


def to_string_array(inputs, encoding: str, where: str) -> np.ndarray:
    """Any string input (a str, nested lists, a numpy array of str or bytes) as a numpy array
    of Python strings (dtype object) of the same shape."""
    if isinstance(inputs, torch.Tensor):
        raise TypeError(
            f"{where} expects strings (a list or numpy array of str); got a torch.Tensor of "
            f"dtype {inputs.dtype} and shape {tuple(inputs.shape)}")
    if hasattr(inputs, "numpy") and not isinstance(inputs, np.ndarray):
        inputs = inputs.numpy()  # e.g. a batch from a tf.data pipeline
    if isinstance(inputs, np.ndarray) and inputs.dtype.kind in "US":  # no loop per string
        if inputs.dtype.kind == "S":
            inputs = np.char.decode(inputs, encoding)
        result = np.empty(inputs.shape, dtype=object)
        result.reshape(-1)[:] = inputs.reshape(-1).tolist()
        return result
    array = np.asarray(inputs, dtype=object)
    flat = [decode(x, encoding, where) for x in array.reshape(-1)]
    result = np.empty(len(flat), dtype=object)
    result[:] = flat
    return result.reshape(array.shape)


def standardized(array: np.ndarray, how, encoding: str, where: str) -> np.ndarray:
    """``array`` with each string standardized; a function gets a numpy array of str."""
    if how is None:
        return array
    if callable(how):
        result = np.asarray(how(array.astype(str)))
        if result.shape != array.shape:
            raise ValueError(
                f"{where}: the standardize function must return an array of the shape it was "
                f"given {array.shape}; got {result.shape}")
        return to_string_array(result, encoding, where)
    out = np.empty(array.shape, dtype=object)
    out.reshape(-1)[:] = [standardize_text(s, how) for s in array.reshape(-1)]
    return out


def tokenize(array: np.ndarray, standardize, split, widths, encoding: str, where: str):
    """Standardize, split and make n-grams: ``Rows`` of token lists when splitting, else an
    array of tokens of the input's shape (n-grams taken along its last axis)."""
    array = standardized(array, standardize, encoding, where)
    if split is None:
        if widths is None:
            return array
        if array.ndim == 0:
            array = array.reshape(1)
        rows = [ngrams(list(r), widths) for r in array.reshape(-1, array.shape[-1])]
        width = len(rows[0]) if rows else 0
        out = np.empty((len(rows), width), dtype=object)
        for i, r in enumerate(rows):
            out[i, :] = r
        return out.reshape(array.shape[:-1] + (width,))
    if array.ndim > 1:
        if array.shape[-1] != 1:
            raise ValueError(
                f"{where} splits each string into tokens, so it expects inputs of shape "
                f"(batch,) or (batch, 1); got shape {array.shape}")
        array = array[..., 0]
    if array.ndim > 1:
        raise ValueError(f"{where} expects inputs of shape (batch,) or (batch, 1); got shape "
                         f"{array.shape + (1,)}")
    strings = array.reshape(-1)
    if callable(split):
        split_rows = [[decode(t, encoding, where) for t in r] for r in split(strings.astype(str))]
        if len(split_rows) != len(strings):
            raise ValueError(
                f"{where}: the split function must return one list of tokens per string "
                f"({len(strings)}); got {len(split_rows)}")
    else:
        split_rows = [split_text(s, split) for s in strings]
    return Rows((ngrams(r, widths) for r in split_rows), single=array.ndim == 0)


def rows_of(tokens) -> list:
    """Token lists, one per document, from ``tokenize``'s result."""
    if isinstance(tokens, Rows):
        return list(tokens)
    if tokens.ndim <= 1:  # a 1-D batch of unsplit tokens is a single document (as in Keras)
        return [list(tokens.reshape(-1))]
    return [list(r) for r in tokens.reshape(-1, tokens.shape[-1])]


class VocabularyCounter:
    """Token and document counts gathered over ``adapt``'s batches.

    A document is one row of tokens (one input string once split).
    """

    def __init__(self):
        self.token_counts: collections.Counter = collections.Counter()
        self.document_counts: collections.Counter = collections.Counter()
        self.num_documents = 0

    def update(self, rows) -> None:
        for row in rows:
            self.token_counts.update(row)
            self.document_counts.update(set(row))
            self.num_documents += 1

    def most_common(self, special_tokens, limit: int | None) -> list[str]:
        """Tokens by count, most frequent first; ties go to the token that sorts last
        (``"b"`` before ``"a"``), as Keras orders them. Special tokens are left out."""
        items = [(count, token) for token, count in self.token_counts.items()
                 if token not in special_tokens]
        items.sort(reverse=True)
        tokens = [token for _, token in items]
        return tokens if limit is None else tokens[:max(limit, 0)]

    def idf_weights(self, tokens) -> np.ndarray:
        """Keras's inverse document frequency, ``log(1 + N / (1 + df))``, as float32."""
        n = self.num_documents
        return np.array(
            [math.log(1.0 + n / (1.0 + self.document_counts[t])) for t in tokens],
            dtype=np.float32,
        )


# the plain functions given as ``standardize`` / ``split`` in this process
_KNOWN = KnownFunctions()
remember_function = _KNOWN.remember


def resolve_function(qualified: str, key: str, layer_name, custom_objects):
    """The function a config names by ``qualified`` name, from ``custom_objects`` or from the
    functions this process gave to a TextVectorization layer."""
    fn = _KNOWN.find(qualified, custom_objects)
    if fn is not None:
        return fn
    short = qualified.rsplit(".", 1)[-1]
    raise ValueError(
        f'Layer "{layer_name}" (TextVectorization): cannot rebuild its {key} function '
        f'"{qualified}" from the config (a config never carries code, and loading never '
        "imports it). Pass it: TextVectorization.from_config(config, "
        f"custom_objects={{{short!r}: <the function>}})"
    )
