import keras
import numpy as np
import torch

import sloi
from sloi.layers import Identity
from tests.conformance import run_layer_test


def test_identity_conformance_and_keras_parity():
    run_layer_test(
        Identity, {}, input_shape=(2, 3, 4), expected_output_shape=(2, 3, 4),
        supports_masking=True, keras_layer_cls=keras.layers.Identity,
    )


def test_identity_returns_its_input_and_keeps_int_dtype():
    x = torch.arange(6).reshape(2, 3)
    assert Identity()(x) is x
    inp = sloi.Input(shape=(3,), dtype="int64")
    assert Identity()(inp).dtype == torch.int64


def test_identity_on_a_list_of_inputs():
    a, b = sloi.Input(shape=(3,)), sloi.Input(shape=(5, 2))
    outs = Identity()([a, b])
    assert [o.shape for o in outs] == [(None, 3), (None, 5, 2)]
    model = sloi.Model([a, b], outs)
    xa, xb = np.ones((2, 3), "float32"), np.zeros((2, 5, 2), "float32")
    ya, yb = model([xa, xb])
    np.testing.assert_array_equal(ya.numpy(), xa)
    np.testing.assert_array_equal(yb.numpy(), xb)
