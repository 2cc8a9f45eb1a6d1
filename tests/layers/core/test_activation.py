import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Activation
from tests.conformance import run_layer_test


@pytest.mark.parametrize("activation", ["relu", "sigmoid", "tanh", "softmax", "gelu", "linear"])
def test_activation_conformance_and_keras_parity(activation):
    run_layer_test(
        Activation, {"activation": activation}, input_shape=(3, 4, 5),
        expected_output_shape=(3, 4, 5), supports_masking=True,
        keras_layer_cls=keras.layers.Activation,
    )


def test_activation_takes_a_callable_and_serializes_builtins_by_name():
    layer = Activation(sloi.activations.relu)
    assert layer.get_config()["activation"] == "relu"
    x = torch.tensor([-3.0, -1.0, 0.0, 2.0])
    np.testing.assert_array_equal(layer(x).numpy(), [0.0, 0.0, 0.0, 2.0])


def test_activation_passes_the_mask_through():
    x = torch.randn(2, 3, 4)
    mask = torch.tensor([[True, False, True], [True, True, False]])
    x._keras_mask = mask
    out = Activation("relu")(x)
    assert torch.equal(out._keras_mask, mask)


def test_activation_unknown_name_is_refused():
    with pytest.raises(ValueError, match="Unknown activation 'nope'"):
        Activation("nope")
