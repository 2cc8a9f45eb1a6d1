"""pack_x_y_sample_weight / unpack_x_y_sample_weight against Keras 3's."""

import keras
import numpy as np
import pytest

from sloi.utils import pack_x_y_sample_weight, unpack_x_y_sample_weight

X, Y, W = np.ones((2, 3)), np.zeros((2, 1)), np.full((2,), 0.5)


def same(a, b):
    if isinstance(a, (tuple, list)):
        assert type(a) is type(b) and len(a) == len(b)
        for u, v in zip(a, b):
            same(u, v)
    else:
        assert a is b


@pytest.mark.parametrize("args", [(X,), (X, Y), (X, Y, W), ([X, X],), ((X, X), Y),
                                  ({"a": X},), (X, None, W)])
def test_pack_matches_keras(args):
    same(pack_x_y_sample_weight(*args), keras.utils.pack_x_y_sample_weight(*args))


@pytest.mark.parametrize("data", [X, (X,), (X, Y), (X, Y, W), [X, Y], [X, Y, W], {"a": X},
                                  ([X, X], Y)])
def test_unpack_matches_keras(data):
    same(unpack_x_y_sample_weight(data), keras.utils.unpack_x_y_sample_weight(data))


def test_pack_then_unpack_round_trips():
    for args in ((X,), (X, Y), (X, Y, W), ([X, X],), ([X, X], Y)):
        x, y, w = unpack_x_y_sample_weight(pack_x_y_sample_weight(*args))
        same((x, y, w), tuple(args) + (None,) * (3 - len(args)))


def test_unpack_refuses_more_than_three_parts():
    with pytest.raises(ValueError, match="got a tuple of 4 items"):
        unpack_x_y_sample_weight((X, Y, W, W))
