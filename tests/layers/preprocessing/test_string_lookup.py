"""Keras 3's StringLookup needs TensorFlow on every backend (it refuses to be created
without it), and strings cannot be torch tensors, so Keras cannot run here. The references
are the outputs TensorFlow gives in the examples of Keras 3.15's own StringLookup docstring
(keras/src/layers/preprocessing/string_lookup.py), and the lookup math written out."""

import math
import os

import numpy as np
import pytest
import torch

import sloi
from sloi.layers import StringLookup

VOCAB = ["a", "b", "c", "d"]
DATA = [["a", "c", "d"], ["d", "z", "b"]]
DATA4 = [["a", "c", "d", "d"], ["d", "z", "b", "z"]]


def test_docstring_examples():
    assert StringLookup(vocabulary=VOCAB)(DATA).tolist() == [[1, 3, 4], [4, 0, 2]]
    layer = StringLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == ["[UNK]", "d", "z", "c", "b", "a"]
    assert layer(DATA).tolist() == [[5, 3, 1], [1, 2, 4]]
    # two OOV indices: "m" and "z" hashed (FarmHash) into 0 and 1
    assert StringLookup(vocabulary=VOCAB, num_oov_indices=2)(
        [["a", "c", "d"], ["m", "z", "b"]]).tolist() == [[2, 4, 5], [0, 1, 3]]
    out = StringLookup(vocabulary=VOCAB, output_mode="one_hot")(["a", "b", "c", "d", "z"])
    assert out.dtype == torch.int64  # as Keras on torch returns it
    np.testing.assert_array_equal(out.numpy(), np.eye(5)[[1, 2, 3, 4, 0]])
    out = StringLookup(vocabulary=VOCAB, output_mode="multi_hot")(DATA4)
    np.testing.assert_array_equal(out.numpy(), [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    out = StringLookup(vocabulary=VOCAB, output_mode="count")(DATA4)
    np.testing.assert_array_equal(out.numpy(), [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    layer = StringLookup(output_mode="tf_idf")
    layer.set_vocabulary(VOCAB, idf_weights=[0.25, 0.75, 0.6, 0.4])
    out = layer(DATA4)
    assert out.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]])
    layer.set_vocabulary(["[UNK]"] + VOCAB, idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer(DATA4).numpy(),
                               [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]])
    inverse = StringLookup(vocabulary=VOCAB, invert=True)
    # Keras on torch decodes to str (a list, 1-D inputs only); sloi gives an array of str
    assert inverse([[1, 3, 4], [4, 0, 2]]).tolist() == [["a", "c", "d"], ["d", "[UNK]", "b"]]
    assert inverse(StringLookup(vocabulary=VOCAB)(DATA)).tolist() == [
        ["a", "c", "d"], ["d", "[UNK]", "b"]]


def test_mask_token_and_oov_layout():
    layer = StringLookup(vocabulary=VOCAB, mask_token="", num_oov_indices=2)
    assert layer.get_vocabulary() == ["", "[UNK]", "[UNK]"] + VOCAB
    assert layer.vocabulary_size() == 7
    ids = layer([["a", "", "d"]]).tolist()
    assert ids == [[3, 0, 6]]
    # the mask counts nowhere in the vector modes, where the OOV indices start at 0
    multi = StringLookup(vocabulary=VOCAB, mask_token="", output_mode="count")
    assert multi.get_vocabulary() == ["[UNK]"] + VOCAB
    np.testing.assert_array_equal(multi([["a", "", "", "q"]]).numpy(), [[1, 1, 0, 0, 0]])
    inverse = StringLookup(vocabulary=VOCAB, mask_token="", invert=True)
    assert inverse(np.array([0, 1, 2, 9])).tolist() == ["", "[UNK]", "a", "[UNK]"]
    with pytest.raises(ValueError, match=r"\(StringLookup\).*num_oov_indices=0.*'z'"):
        StringLookup(vocabulary=VOCAB, num_oov_indices=0)(DATA)


def test_adapt_counts_documents_for_tf_idf():
    docs = [["a", "b", "b"], ["a", "c", "c"], ["a", "d", "e"]]
    layer = StringLookup(output_mode="tf_idf", max_tokens=4)
    layer.adapt(docs)
    # counts: a 3, b 2, c 2, e 1, d 1; ties go to the larger string; max_tokens keeps 3
    assert layer.get_vocabulary() == ["[UNK]", "a", "c", "b"]
    idf = [math.log(1 + 3 / (1 + n)) for n in (3, 1, 1)]  # documents holding a, c, b
    expected = np.array([[np.mean(idf) * 1, idf[0], 0, idf[2] * 2]], dtype="float32")
    np.testing.assert_allclose(layer([["a", "b", "b", "x"]]).numpy(), expected, rtol=1e-6)
    # a 1-D batch: each string its own document; an iterable of 1-D batches: one each
    flat = StringLookup(output_mode="tf_idf")
    flat.adapt(np.array(["a", "a", "b"]))
    by_batch = StringLookup(output_mode="tf_idf")
    by_batch.adapt(iter([np.array(["a", "a", "b"])]))
    assert flat.get_config()["idf_weights"][1] == pytest.approx(math.log(1 + 3 / 3))
    assert by_batch.get_config()["idf_weights"][1] == pytest.approx(math.log(1 + 1 / 2))


def test_bytes_inputs_steps_and_readapt():
    layer = StringLookup()
    layer.adapt(iter([[b"x", b"y"], [b"y"], [b"z"]]), steps=2)
    assert layer.get_vocabulary() == ["[UNK]", "y", "x"]
    assert layer(np.array([b"x", b"z"])).tolist() == [2, 0]
    layer.adapt(["q"])  # adapt starts over
    assert layer.get_vocabulary() == ["[UNK]", "q"]
    assert layer("q").tolist() == 1  # a single string keeps rank 0


def test_config_round_trip_and_assets(tmp_path):
    layer = StringLookup(mask_token="", output_mode="tf_idf")
    layer.adapt([["a", "b"], ["a", "c"]])
    config = layer.get_config()
    assert "vocabulary_dtype" not in config and config["encoding"] == "utf-8"
    clone = StringLookup.from_config(config)
    np.testing.assert_allclose(clone([["a", "c", "z"]]).numpy(),
                               layer([["a", "c", "z"]]).numpy())
    assert clone.get_config() == config
    clone.adapt([["x"]])  # a learned vocabulary stays learnable
    ints = StringLookup(mask_token="")
    ints.adapt([["a", "b"], ["a", "c"]])
    ints.save_assets(str(tmp_path))
    fresh = StringLookup(mask_token="")
    fresh.load_assets(str(tmp_path))
    assert fresh.get_vocabulary() == ["", "[UNK]", "a", "c", "b"]
    path = os.path.join(tmp_path, "vocab.txt")
    with open(path, "w", encoding="utf-8") as f:
        f.write("кот\nпёс\n")
    assert StringLookup(vocabulary=path)(["пёс", "кот", "ёж"]).tolist() == [2, 1, 0]


def test_errors_name_layer_and_argument():
    with pytest.raises(ValueError, match=r"\(StringLookup\).*`max_tokens`"):
        StringLookup(max_tokens=1)
    with pytest.raises(ValueError, match=r"\(StringLookup\).*`num_oov_indices`"):
        StringLookup(num_oov_indices=-1)
    with pytest.raises(ValueError, match=r"\(StringLookup\).*`output_mode`"):
        StringLookup(output_mode="ids")
    with pytest.raises(ValueError, match=r"\(StringLookup\).*`invert=True`"):
        StringLookup(invert=True, output_mode="count")
    with pytest.raises(ValueError, match=r"\(StringLookup\).*`sparse=True`"):
        StringLookup(output_mode="count", sparse=True)
    with pytest.raises(ValueError, match=r"\(StringLookup\).*`idf_weights`"):
        StringLookup(vocabulary=VOCAB, idf_weights=[1.0] * 4)
    with pytest.raises(ValueError, match=r"\(StringLookup\).*repeats \['a'\]"):
        StringLookup(vocabulary=["a", "b", "a"])
    with pytest.raises(ValueError, match=r"\(StringLookup\).*mask token ''"):
        StringLookup(vocabulary=["a", ""], mask_token="")
    with pytest.raises(ValueError, match=r"\(StringLookup\).*larger than max_tokens=3"):
        StringLookup(vocabulary=VOCAB, max_tokens=3)
    with pytest.raises(ValueError, match=r"\(StringLookup\) was given its vocabulary"):
        StringLookup(vocabulary=VOCAB).adapt(DATA)
    with pytest.raises(RuntimeError, match=r"\(StringLookup\).*needs a vocabulary"):
        StringLookup(output_mode="count")(DATA)
    with pytest.raises(TypeError, match=r"\(StringLookup\) reads strings; in a model, call it "
                       r'on Input\(shape=\(1,\), dtype="string"\).*got a tensor of dtype int64'):
        StringLookup(vocabulary=VOCAB)(sloi.Input((3,), dtype="int64"))
    with pytest.raises(TypeError, match=r"\(StringLookup\).*strings"):
        StringLookup(vocabulary=VOCAB)(torch.tensor([1]))
