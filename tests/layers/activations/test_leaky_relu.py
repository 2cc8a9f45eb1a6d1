import keras
import pytest

from sloi.layers import LeakyReLU
from tests.conformance import run_layer_test


@pytest.mark.parametrize("kwargs", [{}, {"negative_slope": 0.05}, {"negative_slope": 0.0}])
def test_leaky_relu_conformance_and_keras_parity(kwargs):
    run_layer_test(LeakyReLU, kwargs, input_shape=(3, 7), expected_output_shape=(3, 7),
                   supports_masking=True, keras_layer_cls=keras.layers.LeakyReLU)


def test_leaky_relu_accepts_keras2_alpha_as_keras3_does():
    with pytest.warns(UserWarning, match="alpha"):
        layer = LeakyReLU(alpha=0.1)
    assert layer.negative_slope == 0.1 and "alpha" not in layer.get_config()
    with pytest.warns(UserWarning, match="alpha"):
        run_layer_test(LeakyReLU, {"alpha": 0.1}, input_shape=(2, 5), expected_output_shape=(2, 5),
                       keras_layer_cls=keras.layers.LeakyReLU)


def test_leaky_relu_errors():
    with pytest.raises(ValueError, match=r'Layer "leaky_re_lu" \(LeakyReLU\): negative_slope must '
                                         r"be a non-negative number; got negative_slope=-0.1"):
        LeakyReLU(-0.1)
    with pytest.raises(ValueError, match=r"negative_slope=None"):
        LeakyReLU(None)


def test_leakyrelu_config_keys_and_values_are_keras():
    kwargs = {}
    ours, theirs = LeakyReLU(**kwargs).get_config(), keras.layers.LeakyReLU(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
