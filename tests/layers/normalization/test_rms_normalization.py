import keras
import numpy as np
import pytest

import sloi
from sloi.layers import RMSNormalization
from tests.conformance import assert_gradients_match_keras, run_layer_test


@pytest.mark.parametrize("shape, kwargs, scale_shape", [
    ((3, 5), {}, (5,)), ((2, 3, 5), {"epsilon": 0.1}, (5,)), ((2, 3, 5), {"axis": [1, 2]}, (3, 5)),
    ((2, 3, 4, 5), {"axis": [2, 3]}, (4, 5)),
])
def test_rms_norm_conformance_and_keras_parity(shape, kwargs, scale_shape):
    layer, _ = run_layer_test(
        RMSNormalization, kwargs, input_shape=shape, expected_output_shape=shape,
        expected_num_trainable_weights=1, keras_layer_cls=keras.layers.RMSNormalization)
    assert layer.get_weights()[0].shape == scale_shape


def test_rms_norm_written_out_and_gradients_match_keras():
    x = np.random.default_rng(0).standard_normal((4, 6)).astype("float32") * 3
    scale = np.random.default_rng(1).uniform(0.5, 1.5, 6).astype("float32")
    layer = RMSNormalization()
    layer.build((4, 6))
    layer.set_weights([scale])
    ref = x / np.sqrt((x**2).mean(-1, keepdims=True) + 1e-6) * scale
    np.testing.assert_allclose(layer(x).detach().numpy(), ref, atol=1e-5)
    assert_gradients_match_keras(RMSNormalization, keras.layers.RMSNormalization, {}, x)


@pytest.mark.parametrize("shape, axis", [((2, 3, 4, 5), [1, 3]), ((2, 3, 5), 1)])
def test_rms_norm_over_non_trailing_axes_written_out(shape, axis):
    # Keras 3.15 on torch broadcasts the scale against the trailing axes here (and fails or
    # scales the wrong axis): the intended math is the reference.
    x = np.random.default_rng(2).standard_normal(shape).astype("float32")
    layer = RMSNormalization(axis=axis)
    layer.build(shape)
    axes = axis if isinstance(axis, list) else [axis]
    scale = np.random.default_rng(3).uniform(0.5, 1.5, [shape[a] for a in axes])
    layer.set_weights([scale.astype("float32")])
    bshape = [shape[d] if d in axes else 1 for d in range(len(shape))]
    ref = x / np.sqrt((x**2).mean(tuple(axes), keepdims=True) + 1e-6) * scale.reshape(bshape)
    np.testing.assert_allclose(layer(x).detach().numpy(), ref, atol=1e-5)
    run_layer_test(RMSNormalization, {"axis": axis}, input_shape=shape,
                   expected_output_shape=shape, expected_num_trainable_weights=1)


def test_rms_norm_errors():
    with pytest.raises(ValueError, match=r'Layer "rms_normalization" \(RMSNormalization\): axis '
                                         r"must be an int or a list of ints"):
        RMSNormalization(axis="last")
    with pytest.raises(ValueError, match=r"axis 2 is out of range or repeated for inputs of shape "
                                         r"\(None, 4\)"):
        RMSNormalization(axis=2)(sloi.Input(shape=(4,)))


def test_rmsnormalization_config_keys_and_values_are_keras():
    kwargs = {}
    ours, theirs = RMSNormalization(**kwargs).get_config(), keras.layers.RMSNormalization(**kwargs).get_config()
    assert set(ours) == set(theirs)
    for key in set(ours) - {"name", "dtype"}:
        if not (isinstance(ours[key], dict) or isinstance(theirs[key], dict)):
            assert ours[key] == theirs[key], key
