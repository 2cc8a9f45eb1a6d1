import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import RepeatVector
from tests.conformance import run_layer_test


@pytest.mark.parametrize("n", [1, 3])
def test_repeat_vector_conformance_and_keras_parity(n):
    run_layer_test(
        RepeatVector, {"n": n}, input_shape=(2, 5), expected_output_shape=(2, n, 5),
        supports_masking=False, keras_layer_cls=keras.layers.RepeatVector,
    )


def test_repeat_vector_output_is_a_real_copy():
    x = torch.arange(6.0).reshape(2, 3)
    out = RepeatVector(4)(x)
    out[0, 0, 0] = 100.0  # no aliasing between the repeated rows, nor with the input
    assert out[0, 1, 0] == 0.0 and x[0, 0] == 0.0
    np.testing.assert_array_equal(out[1].numpy(), np.tile(x[1].numpy(), (4, 1)))


def test_repeat_vector_needs_rank_2_input():
    with pytest.raises(ValueError, match=(
            r'Layer "repeat_vector" \(RepeatVector\) expects inputs of rank 2 '
            r"\(batch, features\); got shape \(None, 3, 4\)")):
        RepeatVector(2)(sloi.Input(shape=(3, 4)))


@pytest.mark.parametrize("n, error", [(0, ValueError), (-1, ValueError), (2.0, TypeError),
                                      (True, TypeError)])
def test_repeat_vector_n_must_be_a_positive_int(n, error):
    with pytest.raises(error, match=r'Layer "repeat_vector" \(RepeatVector\): n must be'):
        RepeatVector(n)
