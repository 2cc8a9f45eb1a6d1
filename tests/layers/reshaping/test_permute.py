import keras
import pytest
import torch

import sloi
from sloi.layers import Permute
from tests.conformance import run_layer_test


@pytest.mark.parametrize("dims, shape, expected", [
    ((2, 1), (2, 3, 4), (2, 4, 3)),
    ((1, 2), (2, 3, 4), (2, 3, 4)),
    ((3, 1, 2), (2, 3, 4, 5), (2, 5, 3, 4)),
    ((2, 3, 1), (2, 3, 4, 5), (2, 4, 5, 3)),
])
def test_permute_conformance_and_keras_parity(dims, shape, expected):
    run_layer_test(
        Permute, {"dims": dims}, input_shape=shape, expected_output_shape=expected,
        supports_masking=False, keras_layer_cls=keras.layers.Permute,
    )


def test_permute_keeps_unknown_sizes_where_they_go():
    assert Permute((2, 1))(sloi.Input(shape=(None, 8))).shape == (None, 8, None)


@pytest.mark.parametrize("dims", [(0, 1), (1, 1), (1, 3), (2,)])
def test_permute_dims_must_be_a_permutation_from_one(dims):
    with pytest.raises(ValueError, match=r'Layer "permute" \(Permute\): dims must be a permutation'):
        Permute(dims)


def test_permute_wrong_rank_names_layer_and_shape():
    with pytest.raises(ValueError, match=(
            r'Layer "permute" \(Permute\) expects inputs of rank 3; got shape \(None, 5\)')):
        Permute((2, 1))(sloi.Input(shape=(5,)))
    with pytest.raises(ValueError, match=r"expects inputs of rank 3; got shape \(2, 3, 4, 5\)"):
        Permute((2, 1))(torch.zeros(2, 3, 4, 5))
