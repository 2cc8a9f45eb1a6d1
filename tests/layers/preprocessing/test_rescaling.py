import keras
import numpy as np
import pytest
import torch

from sloi.layers import Rescaling
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [
    {"scale": 1 / 255}, {"scale": 1 / 127.5, "offset": -1.0},
    {"scale": [0.5, 2.0, 3.0], "offset": [1.0, 0.0, -1.0]},
])
def test_rescaling_conformance_and_keras_parity(kwargs):
    run_layer_test(Rescaling, kwargs, input_shape=(2, 4, 3), expected_output_shape=(2, 4, 3),
                   supports_masking=True, keras_layer_cls=keras.layers.Rescaling)


def test_integer_inputs_become_float_as_in_keras():
    x = np.array([[0, 128, 255]], dtype="uint8")
    out = Rescaling(1 / 255)(x)
    theirs = keras.layers.Rescaling(1 / 255)(x)
    assert out.dtype == torch.float32 and theirs.dtype == torch.float32
    np.testing.assert_allclose(out.numpy(), theirs.cpu().numpy(), rtol=1e-6)


def test_config_keys_match_keras():
    assert set(Rescaling(0.5, 1.0).get_config()) == set(keras.layers.Rescaling(0.5, 1.0)
                                                          .get_config())


def test_reads_keras_config_with_numpy_scale():
    keras_layer = keras.layers.Rescaling(np.array([1.0, 2.0]), offset=[0.5, 1.0])
    ours = Rescaling.from_config(keras_layer.get_config())
    x = np.ones((2, 2), "float32")
    np.testing.assert_allclose(ours(x).numpy(), keras_layer(x).cpu().numpy())
    assert ours.get_config()["scale"] == [1.0, 2.0]


def test_bad_scale_names_layer_and_argument():
    with pytest.raises(TypeError, match=r'"r" \(Rescaling\).*`scale`'):
        Rescaling("big", name="r")
