import keras
import numpy as np
import pytest
import torch

from sloi.layers import ELU
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [{}, {"alpha": 0.5}, {"alpha": 2.0}])
def test_elu_conformance_and_keras_parity(kwargs):
    layer, _ = run_layer_test(ELU, kwargs, input_shape=(3, 4, 5), expected_output_shape=(3, 4, 5),
                              supports_masking=True, keras_layer_cls=keras.layers.ELU)
    assert layer.get_config()["alpha"] == kwargs.get("alpha", 1.0)


def test_elu_written_out():
    x = torch.tensor([-3.0, -0.1, 0.0, 2.0])
    expected = np.where(x > 0, x, 0.7 * (np.exp(x.numpy()) - 1))
    np.testing.assert_allclose(ELU(alpha=0.7)(x).numpy(), expected, atol=1e-6)


def test_elu_errors():
    with pytest.raises(ValueError, match=r'Layer "elu" \(ELU\): alpha must be a number'):
        ELU(alpha="big")


def test_elu_config_keys_are_keras():
    assert set(ELU(alpha=0.5).get_config()) == set(keras.layers.ELU(alpha=0.5).get_config())
