import keras
import numpy as np
import pytest
import torch

from sloi.layers import ReLU
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [
    {}, {"max_value": 1.0}, {"negative_slope": 0.2}, {"threshold": 0.5},
    {"max_value": 1.5, "negative_slope": 0.1, "threshold": 0.3},
])
def test_relu_conformance_and_keras_parity(kwargs):
    layer, out = run_layer_test(ReLU, kwargs, input_shape=(3, 4, 5), expected_output_shape=(3, 4, 5),
                                supports_masking=True, keras_layer_cls=keras.layers.ReLU)
    assert layer.get_config()["max_value"] == kwargs.get("max_value")


def test_relu_written_out():
    x = torch.tensor([-2.0, -0.5, 0.2, 0.7, 3.0])
    out = ReLU(max_value=2.0, negative_slope=0.5, threshold=0.5)(x)
    expected = np.where(x >= 2.0, 2.0, np.where(x >= 0.5, x, 0.5 * (x.numpy() - 0.5)))
    np.testing.assert_allclose(out.numpy(), expected, atol=1e-6)


@pytest.mark.parametrize("arg", ["max_value", "negative_slope", "threshold"])
def test_relu_rejects_negative_arguments(arg):
    with pytest.raises(ValueError, match=rf'Layer "re_lu" \(ReLU\): {arg} must be a '
                                         rf"non-negative number; got {arg}=-1"):
        ReLU(**{arg: -1})


def test_relu_config_keys_and_values_are_keras():
    kwargs = {'max_value': 2.0}
    ours, theirs = ReLU(**kwargs).get_config(), keras.layers.ReLU(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
