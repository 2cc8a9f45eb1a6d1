"""Checks every generated data set owes: shapes, dtypes, seeds, splits."""

import numpy as np


def check_reproducible(load, **kwargs):
    first, second = load(seed=3, **kwargs), load(seed=3, **kwargs)
    other = load(seed=4, **kwargs)
    for (a, b), (c, d) in zip(first, second):
        np.testing.assert_array_equal(a, c)
        np.testing.assert_array_equal(b, d)
    assert not np.array_equal(first[0][0], other[0][0])


def check_split(data, num_samples, test_split):
    (x_train, y_train), (x_test, y_test) = data
    n_test = int(round(num_samples * test_split))
    assert len(x_train) == len(y_train) == num_samples - n_test
    assert len(x_test) == len(y_test) == n_test

