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
import math
import re
import string

import numpy as np
import torch

from sloi.engine.known_functions import KnownFunctions

STANDARDIZE_OPTIONS = ("lower_and_strip_punctuation", "lower", "strip_punctuation")
SPLIT_OPTIONS = ("whitespace", "character")

_ASCII_LOWER = str.maketrans(string.ascii_uppercase, string.ascii_lowercase)
_PUNCTUATION = re.compile("[" + re.escape(string.punctuation) + "]")
_ASCII_WORD = re.compile(r"[^ \t\n\r\v\f]+")


def standardize_text(text: str, how: str) -> str:
    """One of Keras's built-in standardizations applied to one string."""
    if how in ("lower", "lower_and_strip_punctuation"):
        text = text.translate(_ASCII_LOWER)
    if how in ("strip_punctuation", "lower_and_strip_punctuation"):
        text = _PUNCTUATION.sub("", text)
    return text


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
