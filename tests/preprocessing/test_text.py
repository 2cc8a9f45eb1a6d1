"""Keras 2's Tokenizer and word tools. Keras 2 is not installed: its behaviour
(keras_preprocessing.text) is written out here by hand, text by text."""

import hashlib
import json
import math
from collections import OrderedDict

import numpy as np
import pytest

from sloi.preprocessing.text import (
    Tokenizer,
    hashing_trick,
    one_hot,
    text_to_word_sequence,
    tokenizer_from_json,
)

EN = ["The cat sat on the mat.", "The dog ate my homework!", "The cat and the dog."]
# counts: the 5, cat 2, dog 2, then the 1-count words in order of first appearance
EN_INDEX = {"the": 1, "cat": 2, "dog": 3, "sat": 4, "on": 5, "mat": 6, "ate": 7, "my": 8,
            "homework": 9, "and": 10}

RU = ["Я иду домой.", "Ёжик идёт домой, а я иду в школу!", "ДОМОЙ!"]
RU_INDEX = {"домой": 1, "я": 2, "иду": 3, "ёжик": 4, "идёт": 5, "а": 6, "в": 7, "школу": 8}


# ------------------------------------------------------------------ text_to_word_sequence
def test_text_to_word_sequence_english_and_russian():
    assert text_to_word_sequence("Hello, World!  Hi\tthere\n") == ["hello", "world", "hi", "there"]
    assert text_to_word_sequence("Привет, Мир! Как ДЕЛА? Ёлка") == ["привет", "мир", "как", "дела",
                                                                    "ёлка"]
    # the em dash and guillemets are not among Keras's filters: they stay as words
    assert text_to_word_sequence("я — «иду»") == ["я", "—", "«иду»"]


def test_text_to_word_sequence_options():
    assert text_to_word_sequence("A-b C", lower=False) == ["A", "b", "C"]
    assert text_to_word_sequence("a,b;c", filters=";", split=",") == ["a", "b", "c"]
    assert text_to_word_sequence("a.b", filters="") == ["a.b"]


# ---------------------------------------------------------------------------- fit on texts
def test_fit_on_english_texts():
    tok = Tokenizer()
    tok.fit_on_texts(EN)
    assert tok.document_count == 3
    assert isinstance(tok.word_counts, OrderedDict)
    assert list(tok.word_counts.items()) == [
        ("the", 5), ("cat", 2), ("sat", 1), ("on", 1), ("mat", 1), ("dog", 2), ("ate", 1),
        ("my", 1), ("homework", 1), ("and", 1)]
    assert tok.word_index == EN_INDEX
    assert tok.index_word == {i: w for w, i in EN_INDEX.items()}
    assert dict(tok.word_docs) == {"the": 3, "cat": 2, "dog": 2, "sat": 1, "on": 1, "mat": 1,
                                   "ate": 1, "my": 1, "homework": 1, "and": 1}
    assert dict(tok.index_docs) == {1: 3, 2: 2, 3: 2, 4: 1, 5: 1, 6: 1, 7: 1, 8: 1, 9: 1, 10: 1}


def test_fit_on_russian_texts_folds_case_and_keeps_yo():
    tok = Tokenizer()
    tok.fit_on_texts(RU)
    assert tok.word_index == RU_INDEX
    assert tok.word_counts["домой"] == 3 and tok.word_docs["домой"] == 3
    # "ЁЖИК" folds to "ёжик"; "идет" (е) is not "идёт" (ё): unknown, dropped
    assert tok.texts_to_sequences(["Я ИДУ ДОМОЙ", "ЁЖИК идет"]) == [[2, 3, 1], [4]]
    assert tok.sequences_to_texts([[4, 5, 1]]) == ["ёжик идёт домой"]


def test_fitting_twice_adds_counts_and_reindexes():
    tok = Tokenizer()
    tok.fit_on_texts(["b a"])
    assert tok.word_index == {"b": 1, "a": 2}
    tok.fit_on_texts(["a c"])
    assert tok.document_count == 2
    assert tok.word_index == {"a": 1, "b": 2, "c": 3}
    assert dict(tok.index_docs) == {1: 2, 2: 1, 3: 1}


def test_lower_false_keeps_case():
    tok = Tokenizer(lower=False)
    tok.fit_on_texts(["Дом дом ДОМ дом"])
    assert tok.word_index == {"дом": 1, "Дом": 2, "ДОМ": 3}


def test_pretokenized_lists_are_lowercased_not_split():
    tok = Tokenizer()
    tok.fit_on_texts([["Hello", "new york"], ["new york"]])
    assert tok.word_index == {"new york": 1, "hello": 2}
    assert tok.texts_to_sequences([["NEW YORK", "x"]]) == [[1]]


def test_analyzer_replaces_the_splitter():
    tok = Tokenizer(analyzer=lambda text: text.split("|"))
    tok.fit_on_texts(["A|b|b"])
    assert tok.word_index == {"b": 1, "A": 2}  # the analyzer does its own (no) lowering


# ------------------------------------------------------------------- sequences, oov, num_words
def test_texts_to_sequences_drops_unknown_words():
    tok = Tokenizer()
    tok.fit_on_texts(EN)
    assert tok.texts_to_sequences(["The cat ate the fish"]) == [[1, 2, 7, 1]]
    assert list(tok.texts_to_sequences_generator(["dog", ""])) == [[3], []]


def test_num_words_limits_sequences_but_not_word_index():
    tok = Tokenizer(num_words=4)
    tok.fit_on_texts(EN)
    assert tok.word_index == EN_INDEX
    assert tok.texts_to_sequences(["The cat ate the dog"]) == [[1, 2, 1, 3]]
    assert tok.texts_to_sequences(["sat on my mat"]) == [[]]
    assert tok.sequences_to_texts([[1, 2, 7, 99]]) == ["the cat"]


def test_oov_token_takes_index_one():
    tok = Tokenizer(oov_token="<OOV>")
    tok.fit_on_texts(EN)
    assert tok.word_index == {"<OOV>": 1, **{w: i + 1 for w, i in EN_INDEX.items()}}
    assert tok.texts_to_sequences(["The cat ate the fish"]) == [[2, 3, 8, 2, 1]]
    assert tok.sequences_to_texts([[2, 3, 8, 2, 1, 77]]) == ["the cat ate the <OOV> <OOV>"]


def test_oov_with_num_words_maps_rare_words_to_oov():
    tok = Tokenizer(num_words=4, oov_token="<OOV>")
    tok.fit_on_texts(EN)
    assert tok.texts_to_sequences(["The cat ate the fish"]) == [[2, 3, 1, 2, 1]]
    assert tok.sequences_to_texts([[2, 3, 8]]) == ["the cat <OOV>"]


def test_oov_token_in_the_texts_keeps_index_one():
    tok = Tokenizer(oov_token="unk", filters="")
    tok.fit_on_texts(["unk unk unk a"])
    assert tok.word_index == {"unk": 1, "a": 2}


# ------------------------------------------------------------------------------- char level
def test_char_level_counts_every_character_without_filters():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["aAb", "b c."])
    assert list(tok.word_counts.items()) == [("a", 2), ("b", 2), (" ", 1), ("c", 1), (".", 1)]
    assert tok.word_index == {"a": 1, "b": 2, " ": 3, "c": 4, ".": 5}
    assert tok.texts_to_sequences(["cab!"]) == [[4, 1, 2]]
    assert tok.sequences_to_texts([[4, 1, 2]]) == ["c a b"]  # joined by spaces, as Keras 2


def test_char_level_russian():
    tok = Tokenizer(char_level=True)
    tok.fit_on_texts(["Ёё ЁЖ"])
    assert tok.word_index == {"ё": 1, " ": 2, "ж": 3}


# --------------------------------------------------------------------------------- matrices
def fitted():
    tok = Tokenizer()
    tok.fit_on_texts(EN)
    return tok


@pytest.mark.parametrize("mode", ["binary", "count", "freq", "tfidf"])
def test_texts_to_matrix_every_mode(mode):
    m = fitted().texts_to_matrix(["the cat the", "dog", "unknown words"], mode=mode)
    assert m.shape == (3, 11) and m.dtype == np.float64
    expected = np.zeros((3, 11))
    # row 0 holds the (1) twice and cat (2) once; row 1 dog (3); row 2 nothing
    if mode == "binary":
        expected[0, 1] = expected[0, 2] = expected[1, 3] = 1
    elif mode == "count":
        expected[0, 1], expected[0, 2], expected[1, 3] = 2, 1, 1
    elif mode == "freq":
        expected[0, 1], expected[0, 2], expected[1, 3] = 2 / 3, 1 / 3, 1
    else:  # (1 + log tf) * log(1 + n_docs / (1 + df)); the in 3 docs, cat and dog in 2
        expected[0, 1] = (1 + math.log(2)) * math.log(1 + 3 / 4)
        expected[0, 2] = math.log(1 + 3 / 3)
        expected[1, 3] = math.log(1 + 3 / 3)
    np.testing.assert_allclose(m, expected, rtol=1e-12)


def test_num_words_sets_matrix_width_and_freq_counts_dropped_indices():
    tok = Tokenizer(num_words=3)
    tok.fit_on_texts(EN)
    assert tok.texts_to_matrix(["the dog"], mode="count").tolist() == [[0, 1, 0]]
    # index 5 is past the width: ignored, but still counted in the length (Keras 2)
    np.testing.assert_allclose(tok.sequences_to_matrix([[1, 2, 5]], mode="freq"),
                               [[0, 1 / 3, 1 / 3]])


def test_fit_on_sequences_feeds_tfidf():
    tok = Tokenizer(num_words=4)
    tok.fit_on_sequences([[1, 1, 2], [2, 3]])
    assert tok.document_count == 2 and dict(tok.index_docs) == {1: 1, 2: 2, 3: 1}
    m = tok.sequences_to_matrix([[1, 1, 3]], mode="tfidf")
    np.testing.assert_allclose(m, [[0, (1 + math.log(2)) * math.log(1 + 2 / 2), 0,
                                    math.log(1 + 2 / 2)]])


# ---------------------------------------------------------------------------- json round trip
def test_json_round_trip_keeps_everything():
    tok = Tokenizer(num_words=5, oov_token="<unk>")
    tok.fit_on_texts(RU + EN)
    text = tok.to_json(indent=1)
    back = tokenizer_from_json(text)
    assert back.word_index == tok.word_index
    assert back.index_word == tok.index_word
    assert list(back.word_counts.items()) == list(tok.word_counts.items())
    assert dict(back.word_docs) == dict(tok.word_docs)
    assert dict(back.index_docs) == dict(tok.index_docs)
    assert back.document_count == 6 and back.num_words == 5 and back.oov_token == "<unk>"
    probe = ["Я иду на работу", "the cat"]
    assert back.texts_to_sequences(probe) == tok.texts_to_sequences(probe)
    for mode in ("binary", "tfidf"):
        np.testing.assert_array_equal(back.texts_to_matrix(probe, mode),
                                      tok.texts_to_matrix(probe, mode))
    back.fit_on_texts(["ещё текст"])  # a restored tokenizer can go on learning
    assert back.document_count == 7


def test_reads_a_keras_2_json_string():
    # What Keras 2's Tokenizer().fit_on_texts(["a b a"]); to_json() writes.
    config = {"num_words": None, "filters": "!\"#$%&()*+,-./:;<=>?@[\\]^_`{|}~\t\n",
              "lower": True, "split": " ", "char_level": False, "oov_token": None,
              "document_count": 1, "word_counts": '{"a": 2, "b": 1}',
              "word_docs": '{"a": 1, "b": 1}', "index_docs": '{"1": 1, "2": 1}',
              "index_word": '{"1": "a", "2": "b"}', "word_index": '{"a": 1, "b": 2}'}
    tok = tokenizer_from_json(json.dumps({"class_name": "Tokenizer", "config": config}))
    assert tok.index_word == {1: "a", 2: "b"} and tok.index_docs == {1: 1, 2: 1}
    assert tok.texts_to_sequences(["B, a!"]) == [[2, 1]]
    assert json.loads(tok.to_json())["config"] == config


def test_bad_json_is_refused():
    with pytest.raises(ValueError, match="not a Tokenizer json string"):
        tokenizer_from_json('{"class_name": "Tokenizer"}')


# -------------------------------------------------------------------------------- hashing
def md5_index(word, n):
    return int(hashlib.md5(word.encode("utf-8")).hexdigest(), 16) % (n - 1) + 1


def test_hashing_trick_uses_a_stable_md5_hash():
    assert hashing_trick("Hello, world! Привет", 20) == [md5_index("hello", 20),
                                                         md5_index("world", 20),
                                                         md5_index("привет", 20)]
    assert hashing_trick("a b", 20, hash_function="md5") == hashing_trick("a b", 20)
    assert one_hot("Ёлка ёлка", 7) == [md5_index("ёлка", 7)] * 2
    assert hashing_trick("ab abc", 5, hash_function=len) == [3, 4]
    indices = one_hot(" ".join(f"w{i}" for i in range(200)), 10)
    assert min(indices) >= 1 and max(indices) <= 9


# --------------------------------------------------------------------------------- bad input
def test_non_string_texts_are_named():
    tok = Tokenizer()
    with pytest.raises(TypeError, match=r"fit_on_texts: texts must be strings.*item 1 is int 5"):
        tok.fit_on_texts(["ok", 5])
    with pytest.raises(TypeError, match=r"item 0 is NoneType None"):
        tok.texts_to_sequences([None])
    with pytest.raises(TypeError, match=r"text 0 is a list whose item 1 is int 3"):
        tok.fit_on_texts([["a", 3]])
    with pytest.raises(TypeError, match=r"got a single str 'hello'. Wrap it in a list"):
        tok.fit_on_texts("hello")


def test_bad_settings_and_modes_are_refused():
    with pytest.raises(ValueError, match=r"num_words must be None or an int >= 0; got "
                                         r"num_words=-1"):
        Tokenizer(num_words=-1)
    with pytest.raises(TypeError, match=r"unexpected keyword arguments: \['nb_wrds'\]"):
        Tokenizer(nb_wrds=3)
    with pytest.raises(ValueError, match=r"unknown matrix mode 'tf-idf'"):
        fitted().texts_to_matrix(["a"], mode="tf-idf")
    with pytest.raises(ValueError, match="specify num_words, or fit the tokenizer"):
        Tokenizer().sequences_to_matrix([[1]])
    with pytest.raises(ValueError, match="before using mode='tfidf'"):
        Tokenizer(num_words=3).sequences_to_matrix([[1]], mode="tfidf")
    with pytest.raises(ValueError, match=r"n must be an int >= 2.*got n=1"):
        hashing_trick("a", 1)
