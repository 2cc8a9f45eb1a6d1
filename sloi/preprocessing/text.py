"""Keras 2's text tools: ``Tokenizer``, ``text_to_word_sequence``, ``one_hot``,
``hashing_trick``.

Keras 3 dropped these; the course's notebooks still use them, so they behave here exactly as
``keras_preprocessing.text`` / ``tf.keras.preprocessing.text`` did, with two deliberate
changes, both documented where they happen:

- ``hashing_trick`` / ``one_hot`` hash words with md5 by default. Keras 2 used Python's
  ``hash``, which is salted per process for strings, so the same word got a different index in
  every run; md5 gives the same index everywhere.
- Wrong input is refused with a message naming the item (Keras 2 failed deep inside with
  ``'int' object has no attribute 'lower'``).
- An ``oov_token`` that also occurs in the texts keeps index 1 (Keras 2 moved it to the end of
  the vocabulary and left index 1 unused).

Everything is plain Python ``str`` work, so Russian and any other Unicode text is handled by
``str.lower`` (``"Ёлка"`` becomes ``"ёлка"``; ``ё`` and ``е`` stay different words, as in Keras).
"""

from __future__ import annotations

import hashlib
import json
from collections import OrderedDict, defaultdict

import numpy as np

DEFAULT_FILTERS = '!"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n'
_MATRIX_MODES = ("binary", "count", "tfidf", "freq")


def text_to_word_sequence(text, filters=DEFAULT_FILTERS, lower=True, split=" "):
    """Split a text into a list of words.

    Args:
        text: the text, a ``str``.
        filters: characters to drop (each becomes a separator). Default: punctuation, tabs and
            line breaks.
        lower: lower-case the text first.
        split: the word separator.

    Returns:
        The list of words, empty strings removed.

    Example:
        >>> text_to_word_sequence("Я иду, домой!")
        ['я', 'иду', 'домой']
    """
    if not isinstance(text, str):
        raise TypeError(f"text_to_word_sequence expects a str; got {type(text).__name__} "
                        f"{text!r}")
    if lower:
        text = text.lower()
    text = text.translate(str.maketrans({c: split for c in filters}))
    return [word for word in text.split(split) if word]


def _md5_hash(word: str) -> int:
    return int(hashlib.md5(word.encode("utf-8")).hexdigest(), 16)


def hashing_trick(text, n, hash_function=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                  analyzer=None):
    """Turn a text into a list of word indices in ``[1, n - 1]`` by hashing each word.

    Args:
        text: the text, a ``str``.
        n: size of the hashing space; indices run from 1 to ``n - 1`` (0 is left for padding).
        hash_function: ``None`` or ``"md5"`` for a stable md5 hash, or any function from a
            string to an int. Keras 2's ``None`` meant Python's ``hash``, which changes from one
            process to the next; pass ``hash_function=hash`` to get that back.
        filters, lower, split: as in ``text_to_word_sequence``.
        analyzer: a function from the text to its list of words, used instead of
            ``text_to_word_sequence``.

    Returns:
        A list of ints. Different words may share an index (hash collisions).
    """
    if not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 2:
        raise ValueError(f"hashing_trick: n must be an int >= 2 (indices run from 1 to n - 1); "
                         f"got n={n!r}")
    if hash_function is None or hash_function == "md5":
        hash_function = _md5_hash
    elif not callable(hash_function):
        raise ValueError(f"hashing_trick: hash_function must be None, 'md5' or a function; got "
                         f"{hash_function!r}")
    if analyzer is None:
        words = text_to_word_sequence(text, filters=filters, lower=lower, split=split)
    else:
        words = analyzer(text)
    return [hash_function(word) % (n - 1) + 1 for word in words]


def one_hot(text, n, filters=DEFAULT_FILTERS, lower=True, split=" ", analyzer=None):
    """``hashing_trick`` with the default (md5) hash: a list of word indices in ``[1, n - 1]``.

    Despite the name it returns indices, not one-hot vectors, as in Keras 2.
    """
    return hashing_trick(text, n, hash_function=None, filters=filters, lower=lower, split=split,
                         analyzer=analyzer)


class Tokenizer:
    """Keras 2's text tokenizer: learns a vocabulary, turns texts into index sequences or
    bag-of-words matrices.

    Index 0 is never given to a word (it is left for padding). Words are numbered by falling
    count; words with the same count keep the order in which they first appeared. With an
    ``oov_token`` the token takes index 1 and stands for every unknown word.

    Args:
        num_words: if set, ``texts_to_sequences`` / ``texts_to_matrix`` keep only the words with
            index below ``num_words`` (the ``num_words - 1`` most frequent). ``word_index``
            still holds every word.
        filters: characters removed from the texts (ignored when ``char_level``).
        lower: lower-case the texts.
        split: the word separator.
        char_level: every character is a token (spaces and punctuation included, no filters).
        oov_token: token for out-of-vocabulary words; index 1 when given.
        analyzer: a function from a text to its list of tokens, replacing the word splitter.
        document_count: start value of ``document_count`` (used when restoring from json).

    Attributes (after ``fit_on_texts``):
        document_count: number of texts seen.
        word_counts: ``OrderedDict`` word -> number of times seen, in order of first appearance.
        word_docs: word -> number of texts it appears in.
        index_docs: index -> number of texts the word with that index appears in.
        word_index: word -> index (1 for the oov token, if any).
        index_word: index -> word.

    Example:
        >>> tok = Tokenizer(oov_token="<unk>")
        >>> tok.fit_on_texts(["я иду домой", "я иду в школу"])
        >>> tok.word_index
        {'<unk>': 1, 'я': 2, 'иду': 3, 'домой': 4, 'в': 5, 'школу': 6}
        >>> tok.texts_to_sequences(["я иду в лес"])
        [[2, 3, 5, 1]]
    """

    def __init__(self, num_words=None, filters=DEFAULT_FILTERS, lower=True, split=" ",
                 char_level=False, oov_token=None, analyzer=None, document_count=0, **kwargs):
        if "nb_words" in kwargs:  # Keras 1's name, still accepted by Keras 2
            num_words = kwargs.pop("nb_words")
        if kwargs:
            raise TypeError(f"Tokenizer got unexpected keyword arguments: {sorted(kwargs)}")
        if num_words is not None and (not isinstance(num_words, (int, np.integer))
                                      or isinstance(num_words, bool) or num_words < 0):
            raise ValueError(f"Tokenizer: num_words must be None or an int >= 0; got "
                             f"num_words={num_words!r}")
        if oov_token is not None and not isinstance(oov_token, str):
            raise TypeError(f"Tokenizer: oov_token must be a str or None; got "
                            f"{type(oov_token).__name__} {oov_token!r}")
        if analyzer is not None and not callable(analyzer):
            raise TypeError(f"Tokenizer: analyzer must be a function; got {analyzer!r}")
        self.num_words = num_words
        self.filters = filters
        self.lower = lower
        self.split = split
        self.char_level = char_level
        self.oov_token = oov_token
        self.analyzer = analyzer
        self.document_count = document_count
        self.word_counts = OrderedDict()
        self.word_docs = defaultdict(int)
        self.index_docs = defaultdict(int)
        self.word_index = {}
        self.index_word = {}

    # ----------------------------------------------------------------------------- texts in
    def _tokens(self, text, where: str, position: int):
        """The tokens of one text, as Keras 2 cuts them."""
        if isinstance(text, (list, tuple)):  # an already tokenized text
            for k, token in enumerate(text):
                if not isinstance(token, str):
                    raise TypeError(
                        f"Tokenizer.{where}: text {position} is a list whose item {k} is "
                        f"{type(token).__name__} {token!r}; tokens must be strings")
            return [t.lower() for t in text] if self.lower else list(text)
        if not isinstance(text, str):
            raise TypeError(
                f"Tokenizer.{where}: texts must be strings (or lists of string tokens); item "
                f"{position} is {type(text).__name__} {text!r}")
        if self.char_level:
            return list(text.lower() if self.lower else text)
        if self.analyzer is not None:
            return self.analyzer(text)
        return text_to_word_sequence(text, self.filters, self.lower, self.split)

    @staticmethod
    def _check_texts(texts, where: str):
        if isinstance(texts, str):
            raise TypeError(
                f"Tokenizer.{where} expects a list of texts; got a single str {texts[:40]!r}. "
                "Wrap it in a list: [text]")
        if not hasattr(texts, "__iter__"):
            raise TypeError(f"Tokenizer.{where} expects a list of texts; got "
                            f"{type(texts).__name__} {texts!r}")

    def fit_on_texts(self, texts):
        """Learn the vocabulary from a list of texts (strings, or lists of tokens).

        Can be called again: counts add up and the indices are recomputed.
        """
        self._check_texts(texts, "fit_on_texts")
        for position, text in enumerate(texts):
            tokens = self._tokens(text, "fit_on_texts", position)
            self.document_count += 1
            for token in tokens:
                self.word_counts[token] = self.word_counts.get(token, 0) + 1
            for token in set(tokens):
                self.word_docs[token] += 1
        # sorted() is stable: equal counts keep the order of first appearance.
        ranked = sorted(self.word_counts.items(), key=lambda item: item[1], reverse=True)
        vocabulary = [] if self.oov_token is None else [self.oov_token]
        vocabulary.extend(word for word, _ in ranked if word != self.oov_token)
        self.word_index = {word: i for i, word in enumerate(vocabulary, start=1)}
        self.index_word = {i: word for word, i in self.word_index.items()}
        self.index_docs = defaultdict(int)
        for word, docs in self.word_docs.items():
            self.index_docs[self.word_index[word]] = docs

    def fit_on_sequences(self, sequences):
        """Count, for each index, the number of sequences holding it (for ``tfidf`` with
        ``sequences_to_matrix`` when the tokenizer never saw the texts)."""
        sequences = list(sequences)
        self.document_count += len(sequences)
        for seq in sequences:
            for i in set(seq):
                self.index_docs[int(i)] += 1

    def texts_to_sequences(self, texts):
        """Each text as a list of word indices. Unknown words (and, with ``num_words``, rare
        ones) are dropped, or become the oov index when there is an ``oov_token``."""
        return list(self.texts_to_sequences_generator(texts))

    def texts_to_sequences_generator(self, texts):
        """``texts_to_sequences`` one text at a time."""
        self._check_texts(texts, "texts_to_sequences")
        num_words = self.num_words
        oov_index = self.word_index.get(self.oov_token)
        for position, text in enumerate(texts):
            sequence = []
            for token in self._tokens(text, "texts_to_sequences", position):
                i = self.word_index.get(token)
                if i is not None and not (num_words and i >= num_words):
                    sequence.append(i)
                elif oov_index is not None:
                    sequence.append(oov_index)
            yield sequence

    # --------------------------------------------------------------------------- texts out
    def sequences_to_texts(self, sequences):
        """Each index sequence back as a text, tokens joined by single spaces (even with
        ``char_level``, as in Keras 2)."""
        return list(self.sequences_to_texts_generator(sequences))

    def sequences_to_texts_generator(self, sequences):
        """``sequences_to_texts`` one sequence at a time."""
        num_words = self.num_words
        oov_index = self.word_index.get(self.oov_token)
        for seq in sequences:
            words = []
            for i in seq:
                word = self.index_word.get(int(i))
                if word is not None and not (num_words and int(i) >= num_words):
                    words.append(word)
                elif oov_index is not None:
                    words.append(self.index_word[oov_index])
            yield " ".join(words)

    def texts_to_matrix(self, texts, mode="binary"):
        """Bag-of-words matrix ``(len(texts), num_words)``; see ``sequences_to_matrix``."""
        self._check_mode(mode)
        return self.sequences_to_matrix(self.texts_to_sequences(texts), mode=mode)

    def sequences_to_matrix(self, sequences, mode="binary"):
        """Bag-of-words matrix of index sequences, float64 numpy ``(len(sequences), width)``.

        ``width`` is ``num_words``, or ``len(word_index) + 1`` without it. Indices at or above
        ``width`` are ignored. Modes, for index ``j`` seen ``c`` times in a sequence of length
        ``L``:

        - ``"binary"``: 1;
        - ``"count"``: ``c``;
        - ``"freq"``: ``c / L`` (``L`` counts the ignored indices too, as in Keras 2);
        - ``"tfidf"``: ``(1 + log c) * log(1 + document_count / (1 + index_docs[j]))``.
        """
        self._check_mode(mode)
        if self.num_words:
            width = self.num_words
        elif self.word_index:
            width = len(self.word_index) + 1
        else:
            raise ValueError("Tokenizer.sequences_to_matrix: specify num_words, or fit the "
                             "tokenizer on some texts first")
        if mode == "tfidf" and not self.document_count:
            raise ValueError("Tokenizer: fit the tokenizer on some texts (or sequences) before "
                             "using mode='tfidf'")
        sequences = list(sequences)
        matrix = np.zeros((len(sequences), width))
        for row, seq in enumerate(sequences):
            seq = [int(j) for j in seq]
            if not seq:
                continue
            counts = {}
            for j in seq:
                if j < width:
                    counts[j] = counts.get(j, 0) + 1
            for j, c in counts.items():
                if mode == "binary":
                    matrix[row, j] = 1.0
                elif mode == "count":
                    matrix[row, j] = c
                elif mode == "freq":
                    matrix[row, j] = c / len(seq)
                else:  # tfidf, scheme 2 of Wikipedia's tf-idf article, as Keras 2
                    idf = np.log(1.0 + self.document_count / (1.0 + self.index_docs.get(j, 0)))
                    matrix[row, j] = (1.0 + np.log(c)) * idf
        return matrix

    @staticmethod
    def _check_mode(mode):
        if mode not in _MATRIX_MODES:
            raise ValueError(f"Tokenizer: unknown matrix mode {mode!r}; expected one of "
                             f"{list(_MATRIX_MODES)}")

    # ------------------------------------------------------------------------ serialization
    def get_config(self):
        """Keras 2's config: settings plus the learned tables, each as a json string."""
        return {
            "num_words": self.num_words,
            "filters": self.filters,
            "lower": self.lower,
            "split": self.split,
            "char_level": self.char_level,
            "oov_token": self.oov_token,
            "document_count": self.document_count,
            "word_counts": json.dumps(self.word_counts),
            "word_docs": json.dumps(self.word_docs),
            "index_docs": json.dumps(self.index_docs),
            "index_word": json.dumps(self.index_word),
            "word_index": json.dumps(self.word_index),
        }

    def to_json(self, **kwargs):
        """The tokenizer as a json string, Keras 2's format byte for byte: the tables are json
        strings inside the json, their non-ASCII letters escaped (``\\u0434``). ``kwargs``
        (``indent``, ...) go to the outer ``json.dumps``. The ``analyzer`` is not saved."""
        return json.dumps({"class_name": type(self).__name__, "config": self.get_config()},
                          **kwargs)


def tokenizer_from_json(json_string):
    """A ``Tokenizer`` from ``Tokenizer.to_json()`` (also reads Keras 2's files).

    Only json is parsed; nothing in the string is executed.
    """
    try:
        data = json.loads(json_string)
        config = dict(data["config"])
        tables = {key: json.loads(config.pop(key)) for key in
                  ("word_counts", "word_docs", "index_docs", "index_word", "word_index")}
    except (TypeError, KeyError, ValueError) as e:
        raise ValueError(f"tokenizer_from_json: not a Tokenizer json string ({e!r})") from e
    tokenizer = Tokenizer(**config)
    tokenizer.word_counts = OrderedDict(tables["word_counts"])
    # defaultdicts again, so fitting more texts after loading works (it failed in Keras 2).
    tokenizer.word_docs = defaultdict(int, tables["word_docs"])
    # json turned the int keys into strings.
    tokenizer.index_docs = defaultdict(int, {int(k): v for k, v in tables["index_docs"].items()})
    tokenizer.index_word = {int(k): v for k, v in tables["index_word"].items()}
    tokenizer.word_index = tables["word_index"]
    return tokenizer
