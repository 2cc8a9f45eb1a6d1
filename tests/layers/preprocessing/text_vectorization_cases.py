"""TextVectorization cases run the same way on Keras 3 and on sloi.

Keras 3's TextVectorization needs TensorFlow, which the test environment does not install, so
its answers are recorded once by ``make_text_vectorization_reference.py`` (run where
TensorFlow is installed) into ``text_vectorization_reference.json``; the tests replay every
case on sloi against that file, and against Keras itself where TensorFlow can be imported.
"""

import numpy as np

EN = [
    "The cat sat on the mat.",
    "The dog ate my homework!",
    "Cats and dogs: friends or foes?",
    "I lived in France... I speak fluent French.",
    "Don't stop believing -- hold on to that feeling",
    "e-mail me at foo@bar.com (or don't), THE END",
]
RU = [
    "Я иду гулять.",
    "Поэт Александр Сергеевич Пушкин — «солнце русской поэзии».",
    "Ёжик в тумане, ёлка в лесу!",
    "ЁЛКИ-ПАЛКИ, я иду домой...",
    "Мама мыла раму; рама была чистой.",
    "я ИДУ гулять, а ты? École, naïve café №5",
]
ODD = [
    "tabs\tand\nnew lines  and   spaces",
    "no\u00a0break space and\u2003em space",
    "",
    "   ",
]
TEXTS = EN + RU + ODD
CALL = ["the cat and the dog went to France", "Я иду в кино, ёжик!", "", "completely unknown words"]


def unicode_lower(strings):
    """A standardize function: full Unicode lowercasing (Keras's "lower" is ASCII only)."""
    return np.char.lower(strings)


def _batches():
    return [TEXTS[:5], np.array(TEXTS[5:11]), TEXTS[11:]]


# (name, constructor arguments, how to adapt: "array" | "column" | "batches" | None, call inputs)
CASES = [
    ("int_default", {}, "array", CALL),
    ("int_column_input", {}, "column", [[t] for t in CALL]),
    ("int_sequence_length", {"output_sequence_length": 5}, "array", CALL),
    ("int_max_tokens", {"max_tokens": 12, "output_sequence_length": 9}, "array", CALL + RU),
    ("int_lower", {"standardize": "lower"}, "array", CALL),
    ("int_strip", {"standardize": "strip_punctuation"}, "array", CALL),
    ("int_no_standardize", {"standardize": None}, "array", CALL),
    ("int_unicode_lower", {"standardize": unicode_lower}, "array", CALL),
    ("int_characters", {"split": "character", "standardize": "lower"}, "array", CALL),
    ("int_no_split", {"split": None}, "column", [[t] for t in CALL + RU[:2]]),
    ("int_bigrams", {"ngrams": 2}, "array", CALL),
    ("int_ngrams_1_3", {"ngrams": (1, 3), "max_tokens": 40}, "array", CALL),
    ("int_char_trigrams", {"split": "character", "ngrams": (3,), "max_tokens": 30}, "array",
     CALL),
    ("int_batches", {"max_tokens": 20}, "batches", CALL),
    ("multi_hot", {"output_mode": "multi_hot"}, "array", CALL),
    ("multi_hot_bigrams_padded", {"output_mode": "multi_hot", "ngrams": 2, "max_tokens": 60,
                                  "pad_to_max_tokens": True}, "array", CALL),
    ("count", {"output_mode": "count"}, "array", CALL + ["я я я иду иду"]),
    ("count_max_tokens", {"output_mode": "count", "max_tokens": 8}, "array", CALL),
    ("count_no_split", {"output_mode": "count", "split": None}, "column",
     [[t] for t in CALL]),
    ("tf_idf", {"output_mode": "tf_idf"}, "array", CALL + ["the the the cat"]),
    ("tf_idf_bigrams", {"output_mode": "tf_idf", "ngrams": 2}, "array", CALL),
    ("tf_idf_padded", {"output_mode": "tf_idf", "max_tokens": 10, "pad_to_max_tokens": True},
     "array", CALL),
    ("tf_idf_batches", {"output_mode": "tf_idf"}, "batches", CALL),
    ("tf_idf_characters", {"output_mode": "tf_idf", "split": "character"}, "array", CALL),
    ("given_vocabulary", {"vocabulary": ["я", "иду", "cat", "the"],
                          "output_sequence_length": 6}, None, CALL),
    ("given_vocabulary_with_specials", {"vocabulary": ["", "[UNK]", "the", "ёжик"]}, None,
     CALL),
    ("given_vocabulary_multi_hot", {"vocabulary": ["the", "я", "dog"],
                                    "output_mode": "multi_hot", "max_tokens": 7,
                                    "pad_to_max_tokens": True}, None, CALL),
    ("given_idf", {"vocabulary": ["the", "cat", "я"], "idf_weights": [0.25, 1.5, 2.0],
                   "output_mode": "tf_idf"}, None, CALL + ["the the cat"]),
    ("given_idf_with_specials", {"vocabulary": ["[UNK]", "the", "cat"],
                                 "idf_weights": [0.5, 0.25, 1.5], "output_mode": "tf_idf",
                                 "max_tokens": 6, "pad_to_max_tokens": True}, None, CALL),
]


def adapt_data(how):
    if how == "array":
        return list(TEXTS)
    if how == "column":
        return np.array([[t] for t in TEXTS])
    if how == "batches":
        return iter(_batches())
    return None


def run_case(layer_cls, case, to_numpy):
    """Build, adapt and call a layer of ``layer_cls``; what the comparison needs as plain
    Python values."""
    name, kwargs, how, inputs = case
    layer = layer_cls(**kwargs)
    data = adapt_data(how)
    if data is not None:
        layer.adapt(data)
    out = to_numpy(layer(np.array(inputs)))
    return {
        "vocabulary": [str(t) for t in layer.get_vocabulary()],
        "vocabulary_size": int(layer.vocabulary_size()),
        "shape": list(out.shape),
        "output": out.astype("float64").tolist(),
        "int_output": bool(np.issubdtype(out.dtype, np.integer)),
    }
