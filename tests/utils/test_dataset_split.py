"""split_dataset: sizes as Keras 3 computes them, contents written out."""

import keras
import numpy as np
import pytest
import torch
from torch.utils.data import Subset, TensorDataset

from sloi.utils import split_dataset

X = np.arange(40, dtype="float32").reshape(20, 2)
Y = np.arange(20)


@pytest.mark.parametrize("left,right", [(0.8, None), (None, 0.25), (5, None), (None, 3),
                                        (0.5, 0.5), (12, 8), (0.33, None), (0.7, 6)])
def test_sizes_match_keras(left, right):
    ours = split_dataset((X, Y), left_size=left, right_size=right)
    if left is not None and right is not None:
        # both given: Keras's torch path needs them to fill the dataset; written out instead
        lengths = {(0.5, 0.5): (10, 10), (12, 8): (12, 8), (0.7, 6): (14, 6)}[(left, right)]
    else:
        lengths = tuple(len(d) for d in keras.utils.split_dataset((X, Y), left_size=left,
                                                                   right_size=right))
    assert tuple(len(d) for d in ours) == lengths


def test_unshuffled_split_keeps_the_order():
    left, right = split_dataset((X, Y), left_size=0.75)
    assert isinstance(left, Subset)
    assert [int(y) for _, y in left] == list(range(15))
    assert [int(y) for _, y in right] == list(range(15, 20))
    x, y = left[3]
    assert isinstance(x, torch.Tensor) and x.tolist() == [6.0, 7.0] and int(y) == 3


def test_shuffled_split_is_seeded_and_covers_everything():
    a = split_dataset((X, Y), left_size=0.6, shuffle=True, seed=5)
    b = split_dataset((X, Y), left_size=0.6, shuffle=True, seed=5)
    ys = [[int(y) for _, y in part] for part in a]
    assert ys == [[int(y) for _, y in part] for part in b]
    assert sorted(ys[0] + ys[1]) == list(range(20)) and ys[0] != list(range(12))


def test_single_array_and_torch_dataset():
    left, right = split_dataset(X, right_size=4)
    assert len(left) == 16 and left[0][0].tolist() == [0.0, 1.0]  # samples are 1-tuples
    data = TensorDataset(torch.arange(10))
    left, right = split_dataset(data, left_size=3)
    assert [int(v[0]) for v in right] == list(range(3, 10))


def test_fit_takes_a_split():
    import sloi
    train, _ = split_dataset((X, Y.astype("float32")[:, None]), left_size=0.8)
    model = sloi.Sequential([sloi.layers.Input((2,)), sloi.layers.Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    assert len(model.fit(train, epochs=1, batch_size=4, verbose=0).history["loss"]) == 1


def test_bad_sizes_and_datasets_are_refused():
    with pytest.raises(ValueError, match="give left_size, right_size or both"):
        split_dataset(X)
    with pytest.raises(ValueError, match=r"a float left_size is a fraction in \(0, 1\); got "
                                         r"left_size=1.5"):
        split_dataset(X, left_size=1.5)
    with pytest.raises(ValueError, match=r"an int right_size must be in \[1, 19\] for a dataset "
                                         r"of 20 samples; got right_size=20"):
        split_dataset(X, right_size=20)
    with pytest.raises(ValueError, match=r"left_size \+ right_size = 15 \+ 10 samples is more "
                                         r"than the 20"):
        split_dataset(X, left_size=15, right_size=10)
    with pytest.raises(ValueError, match=r"leave the left part empty"):
        split_dataset(X, left_size=0.01)
    with pytest.raises(TypeError, match=r"left_size must be an int, a float or None; got str"):
        split_dataset(X, left_size="half")
    with pytest.raises(ValueError, match=r"same length; got lengths \[20, 19\]"):
        split_dataset((X, Y[:19]), left_size=0.5)
    with pytest.raises(TypeError, match=r"expects a torch Dataset, a numpy array or a list / "
                                        r"tuple of arrays; got dict"):
        split_dataset({"x": X}, left_size=0.5)
