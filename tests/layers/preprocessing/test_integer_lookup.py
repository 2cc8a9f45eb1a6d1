"""Keras 3's IntegerLookup needs TensorFlow on every backend (it refuses to be created
without it), so Keras cannot run here. The references are the outputs TensorFlow gives in
the examples of Keras 3.15's own IntegerLookup docstring
(keras/src/layers/preprocessing/integer_lookup.py) and the lookup math written out. The
conformance checks (config, symbolic vs eager, model) run on integer tensors."""

import math

import numpy as np
import pytest
import torch

import sloi
from sloi.layers import IntegerLookup
from tests.conformance import run_layer_test

VOCAB = [12, 36, 1138, 42]
DATA = np.array([[12, 1138, 42], [42, 1000, 36]])
DATA4 = np.array([[12, 1138, 42, 42], [42, 7, 36, 7]])


def test_docstring_examples():
    assert IntegerLookup(vocabulary=VOCAB)(DATA).tolist() == [[1, 3, 4], [4, 0, 2]]
    layer = IntegerLookup()
    layer.adapt(DATA)
    assert layer.get_vocabulary() == [-1, 42, 1138, 1000, 36, 12]
    assert layer(DATA).tolist() == [[5, 2, 1], [1, 3, 4]]
    assert IntegerLookup(vocabulary=VOCAB, num_oov_indices=2)(
        np.array([[12, 1138, 42], [37, 1000, 36]])).tolist() == [[2, 4, 5], [1, 0, 3]]
    oov = np.array([100, 300, 700, 1100, 1700, 2000])
    floormod = IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4)
    farmhash = IntegerLookup(vocabulary=[10, 20, 30], num_oov_indices=4, oov_method="farmhash")
    assert floormod(oov).tolist() == [0, 0, 0, 0, 0, 0]
    assert farmhash(oov).tolist() == [3, 3, 2, 2, 0, 1]
    np.testing.assert_array_equal(
        IntegerLookup(vocabulary=VOCAB, output_mode="one_hot")(
            np.array([12, 36, 1138, 42, 7])).numpy(), np.eye(5)[[1, 2, 3, 4, 0]])
    np.testing.assert_array_equal(
        IntegerLookup(vocabulary=VOCAB, output_mode="multi_hot")(DATA4).numpy(),
        [[0, 1, 0, 1, 1], [1, 0, 1, 0, 1]])
    np.testing.assert_array_equal(
        IntegerLookup(vocabulary=VOCAB, output_mode="count")(DATA4).numpy(),
        [[0, 1, 0, 1, 2], [2, 0, 1, 0, 1]])
    layer = IntegerLookup(output_mode="tf_idf", vocabulary=VOCAB,
                          idf_weights=[0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer(DATA4).numpy(),
                               [[0, 0.25, 0, 0.6, 0.8], [1.0, 0, 0.75, 0, 0.4]])
    layer = IntegerLookup(output_mode="tf_idf", vocabulary=[-1] + VOCAB,
                          idf_weights=[0.9, 0.25, 0.75, 0.6, 0.4])
    np.testing.assert_allclose(layer(DATA4).numpy(),
                               [[0, 0.25, 0, 0.6, 0.8], [1.8, 0, 0.75, 0, 0.4]])
    inverse = IntegerLookup(vocabulary=VOCAB, invert=True)
    assert inverse(np.array([[1, 3, 4], [4, 0, 2]])).tolist() == [[12, 1138, 42],
                                                                   [42, -1, 36]]
    assert inverse(IntegerLookup(vocabulary=VOCAB)(DATA)).tolist() == [[12, 1138, 42],
                                                                        [42, -1, 36]]


@pytest.mark.parametrize("kwargs, shape, out", [
    ({}, (3, 4), (3, 4)), ({"mask_token": 0, "num_oov_indices": 3}, (3, 4), (3, 4)),
    ({"output_mode": "one_hot"}, (3, 1), (3, 6)),
    ({"output_mode": "multi_hot"}, (3, 4), (3, 6)),
    ({"output_mode": "count", "max_tokens": 8, "pad_to_max_tokens": True}, (3, 4), (3, 8)),
    ({"output_mode": "tf_idf", "idf_weights": [0.5, 1.0, 2.0, 3.0, 4.0]}, (3, 4), (3, 6)),
    ({"invert": True}, (3, 4), (3, 4)),
])
def test_conformance(kwargs, shape, out):
    layer, result = run_layer_test(IntegerLookup, {"vocabulary": [1, 3, 5, 7, 9], **kwargs},
                                   input_shape=shape, expected_output_shape=out,
                                   input_dtype="int64")


def test_lookup_math_with_several_oov_indices_and_mask():
    layer = IntegerLookup(vocabulary=[5, 6], mask_token=0, num_oov_indices=3)
    x = torch.tensor([[5, 0, 6, -7, 8, 11]])
    # 0: mask; OOV v -> 1 + v mod 3 (Python's floor modulo, so -7 -> 2); tokens from 4
    assert layer(x).tolist() == [[4, 0, 5, 1 + (-7 % 3), 1 + 8 % 3, 1 + 11 % 3]]
    assert layer.get_vocabulary() == [0, -1, -1, -1, 5, 6]


def test_adapt_tf_idf_and_iterables():
    docs = np.array([[1, 1, 2], [1, 3, 3], [4, 4, 4]])
    layer = IntegerLookup(output_mode="tf_idf")
    layer.adapt(docs)
    assert layer.get_vocabulary() == [-1, 4, 1, 3, 2]
    idf = [math.log(1 + 3 / (1 + n)) for n in (1, 2, 1, 1)]
    config_idf = layer.get_config()["idf_weights"]
    np.testing.assert_allclose(config_idf, [np.mean(idf)] + idf, rtol=1e-6)
    streamed = IntegerLookup()
    streamed.adapt((torch.tensor(b) for b in ([7, 7], [8], [9, 9, 9])), steps=2)
    assert streamed.get_vocabulary() == [-1, 7, 8]


def test_in_a_model_and_on_lists():
    inputs = sloi.Input(shape=(3,), dtype="int64")
    lookup = IntegerLookup(vocabulary=[10, 20], output_mode="count")
    model = sloi.Model(inputs, lookup(inputs))
    np.testing.assert_array_equal(model(torch.tensor([[10, 10, 99]])).numpy(), [[1, 2, 0]])
    assert IntegerLookup(vocabulary=[10, 20])([[20, 3]]).tolist() == [[2, 0]]


def test_config_round_trip():
    layer = IntegerLookup(mask_token=0)
    layer.adapt(np.array([3, 3, 4]))
    config = layer.get_config()
    assert config["vocabulary"] == [0, -1, 3, 4] and config["vocabulary_dtype"] == "int64"
    clone = IntegerLookup.from_config(config)
    assert clone.get_config() == config
    assert clone(torch.tensor([4, 0, 9])).tolist() == [3, 0, 1]


def test_errors_name_layer_and_argument():
    with pytest.raises(ValueError, match=r"\(IntegerLookup\).*vocabulary_dtype"):
        IntegerLookup(vocabulary_dtype="int32")
    with pytest.raises(ValueError, match=r"\(IntegerLookup\).*`salt`.*farmhash"):
        IntegerLookup(salt=3)
    with pytest.raises(ValueError, match=r"\(IntegerLookup\).*`oov_method`"):
        IntegerLookup(oov_method="mod")
    with pytest.raises(ValueError, match=r"\(IntegerLookup\).*`pad_to_max_tokens=True`"):
        IntegerLookup(pad_to_max_tokens=True)
    with pytest.raises(ValueError, match=r"\(IntegerLookup\).*`idf_weights` must be"):
        IntegerLookup(vocabulary=[1, 2], output_mode="tf_idf", idf_weights=[1.0])
    with pytest.raises(ValueError, match=r"\(IntegerLookup\).*OOV token -1"):
        IntegerLookup(vocabulary=[1, -1], invert=True)
    with pytest.raises(TypeError, match=r"\(IntegerLookup\).*integer values.*float"):
        IntegerLookup(vocabulary=[1])(np.array([1.5]))
    with pytest.raises(TypeError, match=r"\(IntegerLookup\).*integers"):
        IntegerLookup(vocabulary=["a"])
