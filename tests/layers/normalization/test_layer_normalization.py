import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import initializers
from sloi.layers import LayerNormalization
from tests.conformance import assert_gradients_match_keras, run_layer_test


def _random_affine(keras_side=False):
    lib = keras.initializers if keras_side else initializers
    return {"gamma_initializer": lib.RandomUniform(0.5, 1.5, seed=1),
            "beta_initializer": lib.RandomNormal(seed=2)}


# Keras on torch takes F.layer_norm for the trailing axes and its written-out moments for
# non-contiguous axes ([1, 3]); both are compared here.
@pytest.mark.parametrize("shape, axis, gamma_shape, center, scale", [
    ((3, 5), -1, (5,), True, True), ((3, 4, 5), -1, (5,), True, True),
    ((3, 4, 5), [-2, -1], (4, 5), True, True), ((3, 4, 5), [1, 2], (4, 5), True, True),
    ((2, 3, 4, 5), [1, 3], (3, 5), True, True), ((2, 3, 4, 5), [3, 1], (3, 5), True, True),
    ((2, 3, 4, 5), [-1, -3], (3, 5), True, True), ((3, 4, 5), -1, (5,), False, True),
    ((2, 3, 4, 5), [1, 3], (3, 5), True, False), ((3, 4, 5), [1, 2], (4, 5), False, False),
])
def test_layer_norm_conformance_and_keras_parity(shape, axis, gamma_shape, center, scale):
    common = {"axis": axis, "center": center, "scale": scale, "epsilon": 0.01}
    layer, _ = run_layer_test(
        LayerNormalization, {**common, **_random_affine()}, input_shape=shape,
        expected_output_shape=shape, expected_num_trainable_weights=int(center) + int(scale),
        supports_masking=True, keras_layer_cls=keras.layers.LayerNormalization,
        keras_init_kwargs={**common, **_random_affine(keras_side=True)},
    )
    assert all(w.shape == gamma_shape for w in layer.get_weights())


def _reference(x, axes, gamma, beta, epsilon):
    """Layer normalization written out in numpy; gamma / beta sized as the sorted axes."""
    mean = x.mean(axis=tuple(axes), keepdims=True)
    var = x.var(axis=tuple(axes), keepdims=True)
    shape = [x.shape[d] if d in axes else 1 for d in range(x.ndim)]
    return (x - mean) / np.sqrt(var + epsilon) * gamma.reshape(shape) + beta.reshape(shape)


@pytest.mark.parametrize("shape, axis, axes", [
    ((3, 4, 5), 1, [1]), ((3, 4, 4), 1, [1]), ((2, 3, 4, 5), [1, 2], [1, 2]),
])
def test_layer_norm_over_leading_axes_normalizes_those_axes(shape, axis, axes):
    # Keras 3.15 on torch hands these to F.layer_norm, which normalizes the trailing axes
    # instead (or fails when the sizes differ): here the intended math is the reference.
    layer = LayerNormalization(axis=axis, **_random_affine())
    x = np.random.default_rng(0).standard_normal(shape).astype("float32") * 3 + 1
    out = layer(x).detach().numpy()
    gamma, beta = layer.get_weights()
    np.testing.assert_allclose(out, _reference(x, axes, gamma, beta, 1e-3), atol=1e-5)


def test_layer_norm_mixed_sign_axes_keep_keras_weight_order():
    # axis [1, -1] on rank 3: Keras sorts to [-1, 1], so gamma is (features, steps).
    layer = LayerNormalization(axis=[1, -1], **_random_affine())
    x = np.random.default_rng(1).standard_normal((2, 3, 5)).astype("float32")
    out = layer(x).detach().numpy()
    gamma, beta = layer.get_weights()
    assert gamma.shape == (5, 3) and layer.get_config()["axis"] == [-1, 1]
    keras_layer = keras.layers.LayerNormalization(axis=[1, -1])
    keras_layer.build((2, 3, 5))
    assert [w.shape for w in keras_layer.get_weights()] == [(5, 3), (5, 3)]
    np.testing.assert_allclose(out, _reference(x, [1, 2], gamma.T, beta.T, 1e-3), atol=1e-5)


@pytest.mark.parametrize("shape, axis", [((3, 5), -1), ((2, 4, 5), [1, 2]), ((2, 3, 4), [1])])
def test_layer_norm_rms_scaling_matches_keras(shape, axis):
    kwargs = {"axis": axis, "rms_scaling": True}
    with pytest.warns(UserWarning, match="rms_scaling"):
        run_layer_test(
            LayerNormalization, {**kwargs, "gamma_initializer": _random_affine()[
                "gamma_initializer"]},
            input_shape=shape, expected_output_shape=shape, expected_num_trainable_weights=1,
            keras_layer_cls=keras.layers.LayerNormalization,
            keras_init_kwargs={**kwargs, "gamma_initializer": _random_affine(True)[
                "gamma_initializer"]},
        )


def test_layer_norm_same_in_training_and_gradients_match_keras():
    layer = LayerNormalization(**_random_affine())
    x = np.random.default_rng(2).standard_normal((4, 6)).astype("float32")
    inference = layer(x)
    layer.train()
    torch.testing.assert_close(layer(x), inference)
    assert_gradients_match_keras(LayerNormalization, keras.layers.LayerNormalization, {}, x,
                                 training=True)


def test_layer_norm_half_precision_is_computed_in_float32():
    layer = LayerNormalization(dtype="float16")
    x = torch.randn(4, 8) * 100
    out = layer(x.half())
    assert out.dtype == torch.float16
    ref = torch.nn.functional.layer_norm(x.half().float(), (8,), eps=1e-3)
    torch.testing.assert_close(out.float(), ref, atol=1e-2, rtol=1e-2)


def test_layer_norm_errors_name_layer_and_shapes():
    with pytest.raises(ValueError, match=(
            r'Layer "layer_normalization" \(LayerNormalization\): axis 3 is out of range or '
            r"repeated for inputs of shape \(None, 4, 5\)")):
        LayerNormalization(axis=3)(sloi.Input(shape=(4, 5)))
    with pytest.raises(ValueError, match=r"axis \[1, -2\] is out of range or repeated"):
        LayerNormalization(axis=[1, -2])(sloi.Input(shape=(4, 5)))
    with pytest.raises(ValueError, match=r"needs the sizes of axis \[-1\] to be known; got "
                                         r"shape \(None, 4, None\)"):
        LayerNormalization()(sloi.Input(shape=(4, None)))
    with pytest.raises(TypeError, match=r"axis must be an int or a list of ints"):
        LayerNormalization(axis="last")
    layer = LayerNormalization()
    layer(torch.zeros(2, 5))
    with pytest.raises(RuntimeError):
        layer(torch.zeros(2, 4))
