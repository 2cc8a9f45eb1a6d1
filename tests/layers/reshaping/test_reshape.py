import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Reshape
from tests.conformance import run_layer_test


@pytest.mark.parametrize("target, expected", [
    ((3, 4), (2, 3, 4)), ((-1, 2, 2), (2, 3, 2, 2)), ((12,), (2, 12)), ((4, -1), (2, 4, 3)),
])
def test_reshape_conformance_and_keras_parity(target, expected):
    run_layer_test(
        Reshape, {"target_shape": target}, input_shape=(2, 6, 2),
        expected_output_shape=expected, supports_masking=False,
        keras_layer_cls=keras.layers.Reshape,
    )


def test_reshape_unknown_input_size_leaves_minus_one_unknown():
    inp = sloi.Input(shape=(None, 4))
    out = Reshape((-1, 2))(inp)
    assert out.shape == (None, None, 2)
    assert tuple(sloi.Model(inp, out)(np.zeros((3, 5, 4), "float32")).shape) == (3, 10, 2)


def test_reshape_keeps_int_dtype():
    out = Reshape((2, 3))(sloi.Input(shape=(6,), dtype="int64"))
    assert out.dtype == torch.int64


def test_reshape_size_mismatch_names_layer_and_both_shapes_at_build_time():
    with pytest.raises(ValueError, match=(
            r'Layer "reshape" \(Reshape\) cannot reshape inputs of shape \(None, 4\) '
            r"\(4 values per example\) to target_shape \(5,\)")):
        Reshape((5,))(sloi.Input(shape=(4,)))
    with pytest.raises(ValueError, match=r"shape \(None, 3, 3\).*target_shape \(-1, 2\)"):
        Reshape((-1, 2))(sloi.Input(shape=(3, 3)))


def test_reshape_size_mismatch_at_run_time_names_the_real_shape():
    layer = Reshape((-1, 4))
    model = sloi.Model(inp := sloi.Input(shape=(None,)), layer(inp))
    with pytest.raises(ValueError, match=r"inputs of shape \(2, 6\) \(6 values per example\)"):
        model(np.zeros((2, 6), "float32"))


@pytest.mark.parametrize("target", [(-1, -1), (-2, 3), (2.5,)])
def test_reshape_bad_target_shape_is_refused(target):
    with pytest.raises(ValueError, match=r"target_shape entries must be non-negative ints"):
        Reshape(target)
