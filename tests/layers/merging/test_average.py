"""``Average``: the mean of a list of tensors, element by element."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Average, average
from tests.conformance import run_layer_test
from tests.parity import assert_same_model


@pytest.mark.parametrize("shapes", [[(2, 3)], [(2, 3, 4)] * 2, [(2, 5)] * 3])
def test_average_conformance_and_keras_parity(shapes):
    run_layer_test(Average, {}, shapes, shapes[0], supports_masking=True,
                   keras_layer_cls=keras.layers.Average)


def test_average_is_mean_written_out():
    rng = np.random.default_rng(0)
    a, b, c = (rng.standard_normal((2, 5)).astype("float32") for _ in range(3))
    got = Average()([a, b, c]).numpy()
    np.testing.assert_allclose(got, (a + b + c) / 3, atol=1e-6)


def test_average_functional_form_matches_keras():
    def build(K):
        a, b = K.Input(shape=(6,)), K.Input(shape=(6,))
        x, y = K.layers.Dense(4)(a), K.layers.Dense(4)(b)
        return K.Model([a, b], K.layers.average([x, y]))

    rng = np.random.default_rng(1)
    assert_same_model(build, [rng.standard_normal((3, 6)).astype("float32") for _ in range(2)])


def test_average_functional_form_is_the_layer():
    a, b = sloi.Input(shape=(6,)), sloi.Input(shape=(6,))
    via_function = sloi.Model([a, b], average([a, b], name="merged"))
    via_class = sloi.Model([a, b], Average()([a, b]))
    assert type(via_function.layers[-1]) is Average and via_function.layers[-1].name == "merged"
    data = [torch.randn(3, 6), torch.randn(3, 6)]
    torch.testing.assert_close(via_function(data), via_class(data))
