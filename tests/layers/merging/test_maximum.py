"""``Maximum``: the largest value of a list of tensors, element by element."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Maximum, maximum
from tests.conformance import run_layer_test
from tests.parity import assert_same_model


@pytest.mark.parametrize("shapes", [[(2, 3)], [(2, 3, 4)] * 2, [(2, 5)] * 3])
def test_maximum_conformance_and_keras_parity(shapes):
    run_layer_test(Maximum, {}, shapes, shapes[0], supports_masking=True,
                   keras_layer_cls=keras.layers.Maximum)


def test_maximum_is_largest_value_written_out():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((2, 5)).astype("float32") for _ in range(3))
    got = Maximum()([a, b, c]).numpy()
    np.testing.assert_allclose(got, np.maximum(np.maximum(a, b), c), atol=1e-6)


def test_maximum_functional_form_matches_keras():
    def build(K):
        a, b = K.Input(shape=(6,)), K.Input(shape=(6,))
        x, y = K.layers.Dense(4)(a), K.layers.Dense(4)(b)
        return K.Model([a, b], K.layers.maximum([x, y]))

    rng = np.random.default_rng(1)
    assert_same_model(build, [rng.standard_normal((3, 6)).astype("float32") for _ in range(2)])


def test_maximum_functional_form_is_the_layer():
    a, b = sloi.Input(shape=(6,)), sloi.Input(shape=(6,))
    via_function = sloi.Model([a, b], maximum([a, b], name="merged"))
    via_class = sloi.Model([a, b], Maximum()([a, b]))
    assert type(via_function.layers[-1]) is Maximum and via_function.layers[-1].name == "merged"
    data = [torch.randn(3, 6), torch.randn(3, 6)]
    torch.testing.assert_close(via_function(data), via_class(data))


def test_maximum_masked_elements_never_win():
    a = torch.tensor([[[9.0], [9.0], [1.0]]])  # would win at steps 0 and 1, but step 1 is masked
    b = torch.tensor([[[0.0], [0.0], [0.0]]])
    a._keras_mask = torch.tensor([[True, False, True]])
    b._keras_mask = torch.tensor([[True, True, False]])
    out = Maximum()([a, b])
    np.testing.assert_allclose(out.numpy()[0, :, 0], [9.0, 0.0, 1.0])
    assert out._keras_mask.tolist() == [[True, True, True]]
