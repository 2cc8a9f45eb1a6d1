import keras
import numpy as np
import pytest
import torch

from sloi.layers import CategoryEncoding
from tests.conformance import run_layer_test


@pytest.mark.parametrize("mode, shape, out", [
    ("multi_hot", (3, 4), (3, 10)), ("count", (3, 4), (3, 10)), ("one_hot", (3,), (3, 10)),
    ("one_hot", (3, 1), (3, 10)), ("one_hot", (3, 4), (3, 4, 10)), ("count", (5, 1), (5, 10)),
    ("count", (2, 3, 4), (2, 4, 10)),
])
def test_category_encoding_conformance_and_keras_parity(mode, shape, out):
    run_layer_test(CategoryEncoding, {"num_tokens": 10, "output_mode": mode},
                   input_shape=shape, expected_output_shape=out, input_dtype="int64",
                   keras_layer_cls=keras.layers.CategoryEncoding)


def test_count_weights_and_negative_values_as_keras():
    x = np.array([[0, 1, 1, -1], [3, 3, 2, 0]])
    w = np.array([[0.5, 1.0, 2.0, 3.0], [1.0, 1.0, 0.25, 4.0]], dtype="float32")
    ours = CategoryEncoding(4, output_mode="count")(x, count_weights=w)
    theirs = keras.layers.CategoryEncoding(4, output_mode="count")(x, count_weights=w)
    np.testing.assert_allclose(ours.numpy(), theirs.cpu().numpy())
    for mode in ("multi_hot", "one_hot", "count"):
        ours = CategoryEncoding(4, output_mode=mode)(x)
        theirs = keras.layers.CategoryEncoding(4, output_mode=mode)(x)
        assert ours.dtype == theirs.dtype
        np.testing.assert_array_equal(ours.numpy(), theirs.cpu().numpy())


def test_one_dimensional_inputs_reduce_to_one_vector_as_keras():
    x = np.array([3, 1, 1, 0])
    for mode in ("multi_hot", "count", "one_hot"):
        ours = CategoryEncoding(5, output_mode=mode)(x)
        theirs = keras.layers.CategoryEncoding(5, output_mode=mode)(x)
        np.testing.assert_array_equal(ours.numpy(), theirs.cpu().numpy())


def test_binary_is_multi_hot_and_config_keys():
    layer = CategoryEncoding(3, output_mode="binary")
    assert layer.output_mode == "multi_hot"
    assert layer.get_config().keys() == keras.layers.CategoryEncoding(3).get_config().keys()


def test_bad_arguments_and_inputs():
    with pytest.raises(ValueError, match=r"\(CategoryEncoding\).*`num_tokens` must be set"):
        CategoryEncoding()
    with pytest.raises(ValueError, match=r"\(CategoryEncoding\).*`num_tokens`.*>= 1"):
        CategoryEncoding(0)
    with pytest.raises(ValueError, match=r"\(CategoryEncoding\).*`output_mode`"):
        CategoryEncoding(3, output_mode="int")
    with pytest.raises(ValueError, match=r"\(CategoryEncoding\).*`sparse=True`"):
        CategoryEncoding(3, sparse=True)
    with pytest.raises(ValueError, match=r"\(CategoryEncoding\).*index 5 is out of range"):
        CategoryEncoding(3)(torch.tensor([[5, 0]]))
    with pytest.raises(ValueError, match=r"\(CategoryEncoding\).*count_weights"):
        CategoryEncoding(3)(torch.tensor([[1, 0]]), count_weights=torch.ones(1, 2))
