"""to_categorical and normalize against Keras 3's."""

import keras
import numpy as np
import pytest
import torch

from sloi.utils import normalize, to_categorical

LABELS = [
    ([0, 1, 2, 1], None),
    ([0, 1, 2, 1], 5),
    (np.array([[1], [0], [3]]), None),  # (n, 1) labels lose their last axis
    (np.array([[1, 0], [2, 2]]), None),  # (n, m) labels keep it
    (np.array([[[1], [2]], [[0], [1]]]), 4),
    (np.array([3], dtype="int32"), None),
    (np.array([0.0, 2.0, 1.0]), None),  # whole floats are fine
    (np.array(2), 4),  # a scalar label
    (np.array([1, 0], dtype="uint8"), 2),
    ([True, False], None),
]


@pytest.mark.parametrize("x,num_classes", LABELS)
def test_to_categorical_matches_keras(x, num_classes):
    ours = to_categorical(x, num_classes)
    theirs = keras.utils.to_categorical(x, num_classes)
    assert ours.dtype == theirs.dtype == np.float64
    assert ours.shape == theirs.shape
    np.testing.assert_array_equal(ours, theirs)


def test_to_categorical_of_a_tensor_is_a_tensor():
    x = torch.tensor([[2], [0], [1]])
    ours = to_categorical(x, 3)
    theirs = keras.utils.to_categorical(x, 3)
    assert isinstance(ours, torch.Tensor) and ours.dtype == torch.float32  # Keras: int64
    np.testing.assert_array_equal(ours.numpy(), theirs.cpu().numpy())


def test_to_categorical_bad_labels_are_named():
    with pytest.raises(ValueError, match=r"label 3 at flat index 2 is out of range for "
                                         r"num_classes=3 \(labels must be in \[0, 2\]\)"):
        to_categorical([0, 1, 3], num_classes=3)
    with pytest.raises(ValueError, match=r"labels must be >= 0; got label -1 at flat index 1 "
                                         r"\(num_classes=None\)"):
        to_categorical([0, -1])
    with pytest.raises(ValueError, match=r"label 1.5 at flat index 0 is not"):
        to_categorical([1.5, 2])
    with pytest.raises(ValueError, match=r"num_classes must be None or an int >= 1; got "
                                         r"num_classes=0"):
        to_categorical([0], num_classes=0)
    with pytest.raises(TypeError, match=r"integer class labels; got an array of dtype <U3"):
        to_categorical(["cat", "dog"])
    with pytest.raises(ValueError, match="no labels and no num_classes"):
        to_categorical([])


@pytest.mark.parametrize("order", [1, 2, 3])
@pytest.mark.parametrize("axis", [-1, 1])
def test_normalize_numpy_matches_keras(axis, order):
    x = np.random.default_rng(order).standard_normal((4, 5))
    x[2] = 0.0  # a zero row stays zero
    ours = normalize(x, axis=axis, order=order)
    np.testing.assert_allclose(ours, keras.utils.normalize(x, axis=axis, order=order),
                               rtol=1e-12)
    assert np.all(ours[2] == 0)


@pytest.mark.parametrize("order", [1, 2])
def test_normalize_tensor_matches_keras(order):
    x = torch.tensor(np.random.default_rng(7).standard_normal((3, 4, 2)), dtype=torch.float32)
    ours = normalize(x, axis=1, order=order)
    theirs = keras.utils.normalize(x, axis=1, order=order)
    assert isinstance(ours, torch.Tensor)
    np.testing.assert_allclose(ours.numpy(), theirs.cpu().numpy(), rtol=1e-6)


def test_normalize_axis_0_divides_columns():
    # Keras's numpy path breaks on axis=0 (it divides along the last axis); written out here.
    x = np.array([[3.0, 1.0, 0.0], [4.0, 1.0, 0.0]])
    np.testing.assert_allclose(normalize(x, axis=0),
                               [[0.6, 2 ** -0.5, 0.0], [0.8, 2 ** -0.5, 0.0]])
