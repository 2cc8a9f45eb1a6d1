"""Keras 3's Hashing needs TensorFlow on every backend (it refuses to be created without it),
so Keras cannot run here. The references are (1) the buckets TensorFlow gives, as recorded
in Keras 3.15's own keras/src/layers/preprocessing/hashing_test.py, (2) the published
SipHash-2-4 test vector, (3) the math (masking, encodings) written out, and (4) FarmHash's
and SipHash's C implementations where their Python bindings are installed."""

import random
import struct

import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Hashing
from sloi.layers.preprocessing import string_hashing
from tests.conformance import run_layer_test

WORDS = [["omar"], ["stringer"], ["marlo"], ["wire"], ["skywalker"]]
LETTERS = [["A"], ["B"], ["C"], ["D"], ["E"]]

# (layer arguments, input, TensorFlow's output) from Keras's hashing_test.py
RECORDED = [
    ({"num_bins": 3}, LETTERS, [[1], [0], [1], [1], [2]]),
    ({"num_bins": 3, "mask_value": ""}, [["A"], ["B"], [""], ["C"], ["D"]],
     [[1], [1], [0], [2], [2]]),
    ({"num_bins": 3, "salt": [133, 137]}, LETTERS, [[1], [2], [1], [0], [2]]),
    ({"num_bins": 3, "salt": 133}, LETTERS, [[0], [0], [2], [1], [0]]),
    ({"num_bins": 1}, LETTERS, [[0], [0], [0], [0], [0]]),
    ({"num_bins": 2}, WORDS, [[0], [0], [1], [0], [0]]),
    ({"num_bins": 3, "mask_value": ""}, WORDS, [[1], [1], [2], [1], [1]]),
    ({"num_bins": 3, "mask_value": "omar"}, WORDS, [[0], [1], [2], [1], [1]]),
    ({"num_bins": 3}, np.array([[0], [1], [2], [3], [4]]), [[1], [0], [1], [0], [2]]),
    ({"num_bins": 2, "salt": [133, 137]}, WORDS, [[0], [1], [0], [1], [0]]),
    ({"num_bins": 2, "salt": [211, 137]}, WORDS, [[1], [0], [1], [0], [1]]),
    ({"num_bins": 3, "salt": [133, 137]}, np.array([[0], [1], [2], [3], [4]]),
     [[1], [1], [2], [0], [1]]),
    ({"num_bins": 3, "output_mode": "one_hot"}, np.array([0, 1, 2, 3, 4]),
     [[0, 1, 0], [1, 0, 0], [0, 1, 0], [1, 0, 0], [0, 0, 1]]),
    ({"num_bins": 3, "output_mode": "multi_hot"}, np.array([[0, 1, 2, 3, 4]]), [[1, 1, 1]]),
    ({"num_bins": 3, "output_mode": "count"}, np.array([0, 1, 2, 3, 4]), [2, 2, 1]),
    ({"num_bins": 3, "output_mode": "count"}, np.array([[0, 1, 2, 3, 4]]), [[2, 2, 1]]),
]


@pytest.mark.parametrize("kwargs, data, expected", RECORDED)
def test_buckets_equal_tensorflows(kwargs, data, expected):
    out = Hashing(**kwargs)(data)
    np.testing.assert_array_equal(out.numpy(), np.array(expected))
    if kwargs.get("output_mode", "int") == "int":
        assert out.dtype == torch.int64
    else:
        assert out.dtype == torch.float32


def test_strings_as_numpy_bytes_and_tensors_of_ints_agree():
    words = np.array(WORDS)
    as_bytes = np.array([[w[0].encode()] for w in WORDS])
    np.testing.assert_array_equal(Hashing(7)(words).numpy(), Hashing(7)(as_bytes).numpy())
    ints = np.array([[3], [-12], [40000]])
    # an integer is hashed as its decimal text, a float truncated to an integer first
    np.testing.assert_array_equal(Hashing(7)(torch.from_numpy(ints)).numpy(),
                                  Hashing(7)([["3"], ["-12"], ["40000"]]).numpy())
    np.testing.assert_array_equal(Hashing(7, dtype="int32")(np.array([[3.9], [-12.2]])).numpy(),
                                  Hashing(7)([["3"], ["-12"]]).numpy())


def test_python_lists_of_numbers():
    np.testing.assert_array_equal(Hashing(3)([[0], [1], [2]]).numpy(),
                                  Hashing(3)(np.array([[0], [1], [2]])).numpy())


def test_siphash_published_vector():
    key = struct.unpack("<QQ", bytes(range(16)))
    assert string_hashing.siphash24(key, bytes(range(15))) == 0xA129CA6149BE45E5


def test_hashes_equal_the_c_implementations_where_installed():
    farmhash = pytest.importorskip("farmhash")
    rng = random.Random(0)
    for n in list(range(0, 140)) + [300, 1000]:
        s = bytes(rng.randrange(256) for _ in range(n))
        assert string_hashing.fingerprint64(s) == farmhash.fingerprint64(s), n


@pytest.mark.parametrize("mode, shape, out", [
    ("int", (4, 3), (4, 3)), ("one_hot", (4, 1), (4, 6)), ("one_hot", (4, 3), (4, 3, 6)),
    ("multi_hot", (4, 3), (4, 6)), ("count", (4, 3), (4, 6)),
])
def test_hashing_conformance_on_integers(mode, shape, out):
    layer, result = run_layer_test(
        Hashing, {"num_bins": 6, "output_mode": mode, "mask_value": 0}, input_shape=shape,
        expected_output_shape=out, input_dtype="int64")
    x = np.random.default_rng(0).integers(0, 10, size=shape)
    ids = Hashing(6, mask_value=0)(x).numpy()
    # bucket 0 for the mask value, the other buckets 1 + hash % 5
    expected = [0 if v == 0 else 1 + string_hashing.fingerprint64(str(v).encode()) % 5
                for v in x.reshape(-1)]
    np.testing.assert_array_equal(ids.reshape(-1), expected)


def test_in_a_model_with_int_inputs():
    inputs = sloi.Input(shape=(2,), dtype="int64")
    model = sloi.Model(inputs, Hashing(5, output_mode="count")(inputs))
    x = torch.tensor([[1, 2], [3, 3]])
    np.testing.assert_array_equal(model(x).numpy(), Hashing(5, output_mode="count")(x).numpy())


def test_config_and_errors():
    config = Hashing(4, salt=7, mask_value="").get_config()
    assert config["salt"] == [7, 7] and config["dtype"] == "int64"
    assert {"num_bins", "salt", "mask_value", "output_mode", "sparse", "name", "trainable",
            "dtype"} == set(config)
    assert Hashing.from_config(config).get_config() == config
    with pytest.raises(ValueError, match=r"\(Hashing\).*`num_bins`"):
        Hashing(0)
    with pytest.raises(ValueError, match=r"\(Hashing\).*`salt`"):
        Hashing(2, salt=[1])
    with pytest.raises(ValueError, match=r"\(Hashing\).*`output_mode`"):
        Hashing(2, output_mode="tf_idf")
    with pytest.raises(ValueError, match=r"\(Hashing\).*`dtype`"):
        Hashing(2, dtype="float32")
    with pytest.raises(ValueError, match=r"\(Hashing\).*`sparse=True`"):
        Hashing(2, output_mode="count", sparse=True)
    with pytest.raises(ValueError, match=r"\(Hashing\).*mask_value"):
        Hashing(3, mask_value="")(torch.tensor([[1]]))
