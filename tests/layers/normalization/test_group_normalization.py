import keras
import numpy as np
import pytest

import sloi
from sloi import initializers
from sloi.layers import GroupNormalization
from tests.conformance import assert_gradients_match_keras, run_layer_test


def _random_affine(keras_side=False):
    lib = keras.initializers if keras_side else initializers
    return {"gamma_initializer": lib.RandomUniform(0.5, 1.5, seed=1),
            "beta_initializer": lib.RandomNormal(seed=2)}


@pytest.mark.parametrize("shape, kwargs, n_weights", [
    ((2, 8), {"groups": 4}, 2), ((2, 5, 6), {"groups": 3}, 2),
    ((2, 4, 3, 6), {"groups": 2}, 2), ((2, 6, 4, 3), {"groups": 3, "axis": 1}, 2),
    ((2, 5, 6), {"groups": -1}, 2), ((2, 5, 6), {"groups": 1, "center": False}, 1),
    ((2, 5, 6), {"groups": 2, "scale": False, "epsilon": 0.1}, 1),
])
def test_group_norm_conformance_and_keras_parity(shape, kwargs, n_weights):
    run_layer_test(
        GroupNormalization, {**kwargs, **_random_affine()}, input_shape=shape,
        expected_output_shape=shape, expected_num_trainable_weights=n_weights,
        supports_masking=True, keras_layer_cls=keras.layers.GroupNormalization,
        keras_init_kwargs={**kwargs, **_random_affine(keras_side=True)},
    )


def test_group_norm_written_out_and_gradients_match_keras():
    x = np.random.default_rng(0).standard_normal((3, 4, 6)).astype("float32") * 2 + 1
    layer = GroupNormalization(groups=2, **_random_affine())
    out = layer(x).detach().numpy()
    gamma, beta = layer.get_weights()
    g = x.reshape(3, 4, 2, 3)
    mean, var = g.mean(axis=(1, 3), keepdims=True), g.var(axis=(1, 3), keepdims=True)
    ref = ((g - mean) / np.sqrt(var + 1e-3)).reshape(3, 4, 6) * gamma + beta
    np.testing.assert_allclose(out, ref, atol=1e-5)

    assert_gradients_match_keras(GroupNormalization, keras.layers.GroupNormalization,
                                 {"groups": 2}, x)


def test_group_norm_errors():
    with pytest.raises(ValueError, match=r'Layer "group_normalization" \(GroupNormalization\): '
                                         r"groups must be a positive integer"):
        GroupNormalization(groups=0)
    with pytest.raises(ValueError, match=r"groups=4 must divide the 6 channels of axis -1; got "
                                         r"inputs of shape \(None, 3, 6\)"):
        GroupNormalization(groups=4)(sloi.Input(shape=(3, 6)))
    with pytest.raises(ValueError, match=r"needs the size of axis -1 \(the channels\) to be known"):
        GroupNormalization(groups=2)(sloi.Input(shape=(3, None)))
    with pytest.raises(ValueError, match=r"axis 3 must be an axis of the input"):
        GroupNormalization(groups=2, axis=3)(sloi.Input(shape=(3, 6)))


def test_groupnormalization_config_keys_and_values_are_keras():
    kwargs = {'groups': 2}
    ours, theirs = GroupNormalization(**kwargs).get_config(), keras.layers.GroupNormalization(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
