import keras
import numpy as np
import pytest

import sloi
from sloi import initializers
from sloi.layers import PReLU
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("shape, shared_axes, alpha_shape", [
    ((3, 5), None, (5,)), ((2, 4, 5, 3), [1, 2], (1, 1, 3)), ((2, 4, 3), 1, (1, 3)),
])
def test_prelu_conformance_and_keras_parity(shape, shared_axes, alpha_shape):
    kwargs = {"shared_axes": shared_axes}
    layer, _ = run_layer_test(
        PReLU, {**kwargs, "alpha_initializer": initializers.RandomUniform(0.0, 0.5, seed=1)},
        input_shape=shape, expected_output_shape=shape, expected_num_trainable_weights=1,
        supports_masking=True, keras_layer_cls=keras.layers.PReLU,
        keras_init_kwargs={**kwargs,
                           "alpha_initializer": keras.initializers.RandomUniform(0.0, 0.5)},
    )
    assert layer.get_weights()[0].shape == alpha_shape


def test_prelu_gradients_match_keras():
    x = np.random.default_rng(0).standard_normal((4, 3, 5)).astype("float32")
    assert_gradients_match_keras(PReLU, keras.layers.PReLU, {"shared_axes": [1]}, x)


def test_prelu_errors():
    with pytest.raises(ValueError, match=r'Layer "p_re_lu" \(PReLU\): shared_axes must be axes'):
        PReLU(shared_axes=[0])
    with pytest.raises(ValueError, match=r"shared_axes=\[3\] is out of range for inputs of shape "
                                         r"\(None, 4, 5\)"):
        PReLU(shared_axes=[3])(sloi.Input(shape=(4, 5)))
    with pytest.raises(ValueError, match=r"sizes of the unshared axes to be known"):
        PReLU()(sloi.Input(shape=(None, 5)))


def test_prelu_config_keys_and_values_are_keras():
    kwargs = {'shared_axes': [1]}
    ours, theirs = PReLU(**kwargs).get_config(), keras.layers.PReLU(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
