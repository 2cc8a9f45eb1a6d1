"""``Subtract``: the difference of a list of tensors, element by element."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Subtract, subtract
from tests.conformance import run_layer_test
from tests.parity import assert_same_model


@pytest.mark.parametrize("shapes", [[(2, 3, 4)] * 2, [(2, 5)] * 2])
def test_subtract_conformance_and_keras_parity(shapes):
    run_layer_test(Subtract, {}, shapes, shapes[0], supports_masking=True,
                   keras_layer_cls=keras.layers.Subtract)


def test_subtract_is_difference_written_out():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((2, 5)).astype("float32") for _ in range(3))
    got = Subtract()([a, b]).numpy()
    np.testing.assert_allclose(got, a - b, atol=1e-6)


def test_subtract_functional_form_matches_keras():
    def build(K):
        a, b = K.Input(shape=(6,)), K.Input(shape=(6,))
        x, y = K.layers.Dense(4)(a), K.layers.Dense(4)(b)
        return K.Model([a, b], K.layers.subtract([x, y]))

    rng = np.random.default_rng(1)
    assert_same_model(build, [rng.standard_normal((3, 6)).astype("float32") for _ in range(2)])


def test_subtract_functional_form_is_the_layer():
    a, b = sloi.Input(shape=(6,)), sloi.Input(shape=(6,))
    via_function = sloi.Model([a, b], subtract([a, b], name="merged"))
    via_class = sloi.Model([a, b], Subtract()([a, b]))
    assert type(via_function.layers[-1]) is Subtract and via_function.layers[-1].name == "merged"
    data = [torch.randn(3, 6), torch.randn(3, 6)]
    torch.testing.assert_close(via_function(data), via_class(data))


@pytest.mark.parametrize("count", [1, 3])
def test_subtract_needs_exactly_two_inputs(count):
    xs = [sloi.layers.Dense(4, name=f"d{i}")(sloi.Input(shape=(3,))) for i in range(count)]
    shapes = ", ".join(["\\(None, 4\\)"] * count)
    names = ", ".join(f'"d{i}"' for i in range(count))
    with pytest.raises(ValueError, match=(
            rf'Layer "subtract" \(Subtract\) expects a list of exactly 2 inputs; got {count} '
            rf"inputs? of shapes? {shapes} from layers? {names}")):
        Subtract()(xs)
    with pytest.raises(ValueError):  # Keras refuses it too
        keras.layers.Subtract()([keras.Input(shape=(4,))] * count)
