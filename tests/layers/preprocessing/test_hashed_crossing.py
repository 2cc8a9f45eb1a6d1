"""Keras 3's HashedCrossing needs TensorFlow on every backend, so Keras cannot run here. The
references are TensorFlow's outputs recorded in Keras 3.15's own hashed_crossing_test.py and
the cross written out: FingerprintCat64 chained from the key 0xDECAFCAFFE over each feature's
hash (a string's Fingerprint64, an integer itself), modulo num_bins."""

import numpy as np
import pytest
import torch

import sloi
from sloi.layers import HashedCrossing
from sloi.layers.preprocessing import string_hashing
from tests.conformance import run_layer_test

FEAT1 = np.array(["A", "B", "A", "B", "A"])
FEAT2 = np.array([101, 101, 101, 102, 102])


def test_recorded_tensorflow_outputs():
    out = HashedCrossing(num_bins=5)((FEAT1, FEAT2))
    assert out.dtype == torch.int64
    np.testing.assert_array_equal(out.numpy(), [1, 4, 1, 1, 3])
    np.testing.assert_array_equal(
        HashedCrossing(num_bins=5, output_mode="one_hot")((FEAT1, FEAT2)).numpy(),
        [[0, 1, 0, 0, 0], [0, 0, 0, 0, 1], [0, 1, 0, 0, 0], [0, 1, 0, 0, 0], [0, 0, 0, 1, 0]])
    assert HashedCrossing(num_bins=10)((np.array("A"), np.array(101))).item() == 1


def _cross(values, num_bins):
    h = 0xDECAFCAFFE
    for v in values:
        h = string_hashing.fingerprint_cat64(
            h, string_hashing.fingerprint64(v.encode()) if isinstance(v, str) else v % 2 ** 64)
    return h % num_bins


@pytest.mark.parametrize("mode, out", [("int", (4, 1)), ("one_hot", (4, 7))])
def test_conformance_on_integer_features(mode, out):
    _, result = run_layer_test(HashedCrossing, {"num_bins": 7, "output_mode": mode},
                               input_shape=[(4, 1), (4, 1), (4, 1)],
                               expected_output_shape=out, input_dtype="int64")
    rng = np.random.default_rng(0)
    feats = [rng.integers(-5, 10, size=(4, 1)) for _ in range(3)]
    ids = HashedCrossing(7)([torch.from_numpy(f) for f in feats]).numpy().reshape(-1)
    expected = [_cross([int(f[i, 0]) for f in feats], 7) for i in range(4)]
    np.testing.assert_array_equal(ids, expected)


def test_strings_and_integers_mixed_in_a_model_free_call():
    words = [["x"], ["y"], ["x"]]
    ids = HashedCrossing(11)([words, np.array([[3], [3], [4]])]).numpy()
    np.testing.assert_array_equal(ids.reshape(-1), [_cross(["x", 3], 11), _cross(["y", 3], 11),
                                                    _cross(["x", 4], 11)])


def test_python_lists_of_integers():
    assert HashedCrossing(11)([[1, 2], [3, 4]]).tolist() == [_cross([1, 3], 11),
                                                             _cross([2, 4], 11)]


def test_config_keys_and_errors():
    config = HashedCrossing(3).get_config()
    assert set(config) == {"num_bins", "output_mode", "sparse", "name", "dtype"}
    assert HashedCrossing.from_config(config).get_config() == config
    with pytest.raises(ValueError, match=r"\(HashedCrossing\).*list or tuple"):
        HashedCrossing(3)(np.array([1]))
    with pytest.raises(ValueError, match=r"\(HashedCrossing\).*at least two"):
        HashedCrossing(3)([np.array([1])])
    with pytest.raises(ValueError, match=r"\(HashedCrossing\).*same shape"):
        HashedCrossing(3)([np.array([1, 2]), np.array([1])])
    with pytest.raises(ValueError, match=r"\(HashedCrossing\).*\(batch, 1\)"):
        HashedCrossing(3)([np.ones((2, 2), int), np.ones((2, 2), int)])
    with pytest.raises(ValueError, match=r"\(HashedCrossing\).*integers or strings"):
        HashedCrossing(3)([np.array([1.0]), np.array([1.0])])
    with pytest.raises(ValueError, match=r"\(HashedCrossing\).*`output_mode`"):
        HashedCrossing(3, output_mode="count")
    with pytest.raises(ValueError, match=r"\(HashedCrossing\).*`sparse=True`"):
        HashedCrossing(3, sparse=True)
    a, b = sloi.Input((1,), dtype="int64"), sloi.Input((2,), dtype="int64")
    with pytest.raises(ValueError, match=r"\(HashedCrossing\).*same shape"):
        HashedCrossing(3)([a, b])
