import numpy as np
from keras.src.datasets import mnist as keras_mnist

from sloi.datasets import mnist
from tests.datasets import tiny_files


def test_matches_keras_on_the_same_file(tmp_path, monkeypatch):
    tiny_files.cached(tmp_path, monkeypatch, tiny_files.mnist_file, "mnist.npz", keras_mnist)
    mine, theirs = mnist.load_data(), keras_mnist.load_data()
    for (x1, y1), (x2, y2) in zip(mine, theirs):
        assert x1.dtype == np.uint8 and x1.shape[1:] == (28, 28)
        np.testing.assert_array_equal(x1, x2)
        np.testing.assert_array_equal(y1, y2)
