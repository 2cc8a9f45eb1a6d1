import json
import os
import string

import numpy as np
import pytest
import torch

import sloi
from sloi.layers import TextVectorization
from tests.layers.preprocessing import text_vectorization_cases as tvc

HERE = os.path.dirname(os.path.abspath(__file__))
with open(os.path.join(HERE, "text_vectorization_reference.json"), encoding="utf-8") as _f:
    REFERENCE = json.load(_f)


def _numpy(out):
    return out.detach().cpu().numpy() if hasattr(out, "detach") else np.asarray(out)


def _assert_same(mine, theirs):
    assert mine["vocabulary"] == theirs["vocabulary"]
    assert mine["vocabulary_size"] == theirs["vocabulary_size"]
    assert mine["shape"] == theirs["shape"]
    np.testing.assert_allclose(mine["output"], theirs["output"], rtol=1e-6, atol=1e-6)


# ---------------------------------------------------------------- parity with Keras 3
@pytest.mark.parametrize("case", tvc.CASES, ids=[c[0] for c in tvc.CASES])
def test_matches_recorded_keras(case):
    """Keras 3.15.1's answers, recorded by make_text_vectorization_reference.py."""
    assert REFERENCE["keras"] == "3.15.1"
    _assert_same(tvc.run_case(TextVectorization, case, _numpy), REFERENCE["cases"][case[0]])


@pytest.mark.parametrize("case", tvc.CASES, ids=[c[0] for c in tvc.CASES])
def test_matches_live_keras(case):
    pytest.importorskip("tensorflow")  # Keras's TextVectorization runs on TensorFlow
    import keras

    theirs = tvc.run_case(keras.layers.TextVectorization, case, _numpy)
    _assert_same(tvc.run_case(TextVectorization, case, _numpy), theirs)


def test_reference_covers_every_case():
    assert sorted(REFERENCE["cases"]) == sorted(c[0] for c in tvc.CASES)


# ---------------------------------------------------------------- behaviour written out
def test_vocabulary_order_ties_and_output_dtypes():
    tv = TextVectorization()
    tv.adapt(["b a c b a", "d"])
    # a and b twice, then c and d once; ties: the token that sorts last first
    assert tv.get_vocabulary() == ["", "[UNK]", "b", "a", "d", "c"]
    assert tv.get_vocabulary(include_special_tokens=False) == ["b", "a", "d", "c"]
    assert tv.vocabulary_size() == 6
    out = tv(["a b zzz", "c"])
    assert out.dtype == torch.int64
    assert out.tolist() == [[3, 2, 1], [5, 0, 0]]
    for mode in ("multi_hot", "count", "tf_idf"):
        layer = TextVectorization(output_mode=mode)
        layer.adapt(["b a c b a", "d"])
        assert layer(["a a"]).dtype == torch.float32


def test_tf_idf_weights_written_out():
    tv = TextVectorization(output_mode="tf_idf")
    tv.adapt(["a b", "a", "a c"])  # 3 documents: df(a)=3, df(b)=1, df(c)=1
    assert tv.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    idf = np.log1p(3 / (1 + np.array([3.0, 1.0, 1.0]))).astype("float32")
    expected = np.concatenate([[idf.mean()], idf])  # "[UNK]" weighs the mean
    np.testing.assert_allclose(tv.get_config()["idf_weights"], expected, rtol=1e-6)
    out = tv(["a a c x"]).numpy()
    np.testing.assert_allclose(out, [[expected[0], 2 * idf[0], idf[1], 0.0]], rtol=1e-6)


def test_standardize_and_split_rules():
    """Keras's built-ins: ASCII-only lowercasing, ASCII punctuation, ASCII whitespace."""
    tv = TextVectorization(standardize="lower_and_strip_punctuation")
    tv.adapt(["ПРИВЕТ, Мир! ÉCOLE «ёлка»"])
    assert sorted(tv.get_vocabulary(include_special_tokens=False)) == sorted(
        ["ПРИВЕТ", "Мир", "École", "«ёлка»"])
    tv = TextVectorization(standardize=None)
    tv.adapt(["a\u00a0b c\td\ne"])
    assert sorted(tv.get_vocabulary(include_special_tokens=False)) == [
        "a\u00a0b", "c", "d", "e"]


def test_character_split_ngrams_and_sequence_length():
    tv = TextVectorization(split="character", ngrams=2, standardize=None,
                           vocabulary=["а", "б", "а б"], output_sequence_length=4)
    # "аба": unigrams а б а, bigrams "а б" "б а"; cut to 4
    assert tv(["аба"]).tolist() == [[2, 3, 2, 4]]


def test_split_function():
    tv = TextVectorization(split=lambda strings: [s.split("|") for s in strings],
                           standardize=None, vocabulary=["x", "y y"])
    assert tv(["x|y y|z", "x"]).tolist() == [[2, 3, 1], [2, 0, 0]]


def test_single_string_bytes_and_column_inputs():
    adapted = TextVectorization()
    adapted.adapt("один два два")
    assert adapted.get_vocabulary() == ["", "[UNK]", "два", "один"]
    tv = TextVectorization(vocabulary=["hello", "мир"])
    assert tv("hello мир foo").tolist() == [2, 3, 1]
    assert tv([b"hello there", "мир".encode()]).tolist() == [[2, 1], [3, 0]]
    assert tv(np.array([["hello there"], ["мир"]])).tolist() == [[2, 1], [3, 0]]


def test_adapt_from_a_generator_with_steps():
    def batches():
        yield ["a a b"]
        yield np.array(["c"])
        raise AssertionError("read past steps")

    tv = TextVectorization()
    tv.adapt(batches(), steps=2)
    assert tv.get_vocabulary() == ["", "[UNK]", "a", "c", "b"]


def test_vocabulary_file(tmp_path):
    path = tmp_path / "vocab.txt"
    path.write_text("ёж\nкот\n", encoding="utf-8")
    tv = TextVectorization(vocabulary=str(path))
    assert tv.get_vocabulary() == ["", "[UNK]", "ёж", "кот"]
    assert tv(["кот ёж пёс"]).tolist() == [[3, 2, 1]]


def test_no_weights_and_feeds_a_model():
    tv = TextVectorization(output_sequence_length=5)
    tv.adapt(tvc.RU)
    assert tv.weights == [] and tv.count_params() == 0
    model = sloi.Sequential([sloi.Input(shape=(5,), dtype="int64"),
                             sloi.layers.Embedding(tv.vocabulary_size(), 3),
                             sloi.layers.GlobalAveragePooling1D()])
    assert tuple(model(tv(tvc.RU[:2])).shape) == (2, 3)
    assert tv.compute_output_shape((None,)) == (None, 5)


# ---------------------------------------------------------------- config, assets
@pytest.mark.parametrize("kwargs", [
    {"max_tokens": 10, "output_sequence_length": 6, "ngrams": 2},
    {"output_mode": "tf_idf", "max_tokens": 12, "pad_to_max_tokens": True},
    {"output_mode": "count", "split": "character"},
])
def test_config_round_trip_keeps_the_adapted_vocabulary(kwargs):
    tv = TextVectorization(**kwargs)
    tv.adapt(tvc.TEXTS)
    config = tv.get_config()
    assert config["vocabulary"] == tv.get_vocabulary()
    json.dumps(config)  # plain JSON values only
    clone = TextVectorization.from_config(config)
    assert clone.get_config() == config
    np.testing.assert_array_equal(clone(tvc.CALL).numpy(), tv(tvc.CALL).numpy())
    clone.adapt(["щ"])  # a learned vocabulary can be learned again
    assert clone.get_vocabulary(include_special_tokens=False) == ["щ"]


def test_given_vocabulary_cannot_be_adapted():
    tv = TextVectorization(vocabulary=["a"])
    clone = TextVectorization.from_config(tv.get_config())
    for layer in (tv, clone):
        with pytest.raises(ValueError, match="cannot also learn one with adapt"):
            layer.adapt(["b"])


def test_function_in_config():
    tv = TextVectorization(standardize=tvc.unicode_lower)
    config = tv.get_config()
    assert config["standardize"].endswith("unicode_lower")
    assert TextVectorization.from_config(config).standardize is tvc.unicode_lower
    tv = TextVectorization(standardize=lambda a: a)
    with pytest.raises(ValueError, match="custom_objects"):
        TextVectorization.from_config(tv.get_config())
    clone = TextVectorization.from_config(tv.get_config(),
                                          custom_objects={"<lambda>": tvc.unicode_lower})
    assert clone.standardize is tvc.unicode_lower


def test_keras_style_config_with_assets_and_idf_variable(tmp_path):
    """Keras 3 saves an adapted vocabulary as vocabulary.txt and the idf weights as a
    variable, with vocabulary=None in the config."""
    tv = TextVectorization(output_mode="tf_idf", max_tokens=9, pad_to_max_tokens=True)
    tv.adapt(tvc.TEXTS)
    store = {}
    tv.save_own_variables(store)
    tv.save_assets(str(tmp_path))
    assert (tmp_path / "vocabulary.txt").read_text(encoding="utf-8").split("\n")[0] == "[UNK]"
    keras_config = {**tv.get_config(), "vocabulary": None, "idf_weights": None,
                    "has_input_vocabulary": False}
    keras_config["dtype"] = {"module": "keras", "class_name": "DTypePolicy",
                             "config": {"name": "float32"}, "registered_name": None}
    clone = TextVectorization.from_config(keras_config)
    clone.load_own_variables(store)
    clone.load_assets(str(tmp_path))
    np.testing.assert_array_equal(clone(tvc.CALL).numpy(), tv(tvc.CALL).numpy())


# ---------------------------------------------------------------- errors
@pytest.mark.parametrize("kwargs, match", [
    ({"standardize": "upper"}, "standardize must be one of"),
    ({"split": "comma"}, "split must be one of"),
    ({"output_mode": "one_hot"}, "output_mode must be one of"),
    ({"ngrams": 0}, "ngrams must be None"),
    ({"ngrams": (1, "2")}, "ngrams must be None"),
    ({"max_tokens": 1}, "max_tokens must be None or an integer greater than 1"),
    ({"pad_to_max_tokens": True}, "pad_to_max_tokens=True needs max_tokens"),
    ({"output_mode": "count", "output_sequence_length": 3}, "only applies to output_mode"),
    ({"output_sequence_length": -1}, "non-negative integer"),
    ({"vocabulary": ["a"], "idf_weights": [1.0]}, "idf_weights only apply"),
    ({"sparse": True}, "sparse and ragged outputs are not supported"),
    ({"vocabulary": ["a", "b", "a"]}, r"repeats \['a'\]"),
    ({"vocabulary": ["a", ""]}, 'padding token "" may only be first'),
    ({"vocabulary": ["a", "b", "c"], "max_tokens": 4}, "larger than max_tokens=4"),
    ({"vocabulary": ["a"], "output_mode": "tf_idf"}, "needs idf_weights"),
    ({"vocabulary": ["a"], "idf_weights": [1.0, 2.0], "output_mode": "tf_idf"},
     r"one weight per vocabulary entry \(1\)"),
    ({"vocabulary": []}, "empty vocabulary"),
    ({"vocabulary": "/no/such/vocab.txt"}, "does not exist"),
])
def test_bad_arguments(kwargs, match):
    with pytest.raises(ValueError, match=match):
        TextVectorization(**kwargs)


def test_bad_inputs():
    tv = TextVectorization(vocabulary=["a"], name="tv")
    with pytest.raises(TypeError, match=r'"tv" \(TextVectorization\) expects strings; got int'):
        tv([1, 2])
    with pytest.raises(TypeError, match="got a torch.Tensor of dtype torch.int64"):
        tv(torch.tensor([1, 2]))
    with pytest.raises(ValueError, match=r"shape \(batch,\) or \(batch, 1\); got shape \(2, 2\)"):
        tv(np.array([["a", "b"], ["c", "d"]]))
    with pytest.raises(TypeError, match=r'\(TextVectorization\) reads strings; in a model, call '
                       r'it on Input\(shape=\(1,\), dtype="string"\).*dtype int64'):
        tv(sloi.Input(shape=(1,), dtype="int64"))
    with pytest.raises(RuntimeError, match="needs a vocabulary before the layer is called"):
        TextVectorization(output_mode="multi_hot")(["a"])
    with pytest.raises(ValueError, match="never reads files a config points to"):
        TextVectorization.from_config({"vocabulary": "/etc/passwd", "name": "x"})


def test_a_layer_dtype_cannot_be_string():
    # strings are for a model's inputs only (tests/engine/test_string_inputs.py)
    with pytest.raises(ValueError, match='dtype "string" is only for a model\'s inputs'):
        sloi.layers.Dense(2, dtype="string")


def test_batches_match_the_rules_written_out_string_by_string():
    # a batch is standardized and split in one pass (the strings joined by NUL); each string
    # must still get what Keras's rules give it alone: ASCII-only lowercasing and punctuation,
    # splits on ASCII whitespace only (not U+00A0, U+2003 or \x1c), NUL inside a string kept
    texts = ["Hello, World!", "", "  tabs\tand\nnewlines  ", "ПРИВЕТ мир — «ёлка»",
             "a\u00a0b c\u2003d", "x\x1cy z", "nul\x00inside it", "A" * 3, "...", "ÉCOLE é"]
    ascii_ws = " \t\n\r\x0b\x0c"

    def rules(text):
        text = "".join(c.lower() if "A" <= c <= "Z" else c for c in text
                       if c not in string.punctuation)
        return "".join(" " if c in ascii_ws else c for c in text).split(" ")

    vocab = sorted({t for text in texts for t in rules(text) if t} - {"aaa"})
    index = {t: i + 2 for i, t in enumerate(vocab)}
    tv = TextVectorization(vocabulary=vocab)
    got = tv(np.array(texts)).numpy()
    for row, text in zip(got, texts):
        ids = [index[t] for t in rules(text) if t] if text != "A" * 3 else [1]
        assert row.tolist() == ids + [0] * (got.shape[1] - len(ids)), text
    for text in texts:  # one string at a time gives the same rows
        alone = tv([text]).numpy()[0]
        assert alone.tolist() == got[texts.index(text)][:len(alone)].tolist()
    chars = TextVectorization(split="character", standardize=None, output_mode="count",
                              vocabulary=["a", "\u00a0", "é"])
    np.testing.assert_array_equal(chars(np.array(["aa\u00a0é", "b"])).numpy(),
                                  [[0, 2, 1, 1], [1, 0, 0, 0]])
