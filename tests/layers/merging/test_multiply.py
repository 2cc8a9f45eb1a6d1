"""``Multiply``: the product of a list of tensors, element by element."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Multiply, multiply
from tests.conformance import run_layer_test
from tests.parity import assert_same_model


@pytest.mark.parametrize("shapes", [[(2, 3)], [(2, 3, 4)] * 2, [(2, 5)] * 3])
def test_multiply_conformance_and_keras_parity(shapes):
    run_layer_test(Multiply, {}, shapes, shapes[0], supports_masking=True,
                   keras_layer_cls=keras.layers.Multiply)


def test_multiply_is_product_written_out():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((2, 5)).astype("float32") for _ in range(3))
    got = Multiply()([a, b, c]).numpy()
    np.testing.assert_allclose(got, a * b * c, atol=1e-6)


def test_multiply_functional_form_matches_keras():
    def build(K):
        a, b = K.Input(shape=(6,)), K.Input(shape=(6,))
        x, y = K.layers.Dense(4)(a), K.layers.Dense(4)(b)
        return K.Model([a, b], K.layers.multiply([x, y]))

    rng = np.random.default_rng(1)
    assert_same_model(build, [rng.standard_normal((3, 6)).astype("float32") for _ in range(2)])


def test_multiply_functional_form_is_the_layer():
    a, b = sloi.Input(shape=(6,)), sloi.Input(shape=(6,))
    via_function = sloi.Model([a, b], multiply([a, b], name="merged"))
    via_class = sloi.Model([a, b], Multiply()([a, b]))
    assert type(via_function.layers[-1]) is Multiply and via_function.layers[-1].name == "merged"
    data = [torch.randn(3, 6), torch.randn(3, 6)]
    torch.testing.assert_close(via_function(data), via_class(data))


def test_multiply_masked_steps_count_as_one_and_fully_masked_steps_are_zero():
    a, b = torch.full((1, 3, 2), 2.0), torch.full((1, 3, 2), 5.0)
    a._keras_mask = torch.tensor([[True, False, False]])
    b._keras_mask = torch.tensor([[True, True, False]])
    out = Multiply()([a, b])
    # step 0: 2 * 5; step 1: a masked counts as 1; step 2: masked in both, so 0
    np.testing.assert_allclose(out.numpy()[0, :, 0], [10.0, 5.0, 0.0])
    assert out._keras_mask.tolist() == [[True, True, False]]


def test_multiply_with_one_mask_only_keeps_the_product_and_drops_the_mask():
    a, b = torch.full((1, 2, 2), 2.0), torch.full((1, 2, 2), 5.0)
    a._keras_mask = torch.tensor([[True, False]])
    out = Multiply()([a, b])
    np.testing.assert_allclose(out.numpy()[0, :, 0], [10.0, 5.0])
    assert getattr(out, "_keras_mask", None) is None
