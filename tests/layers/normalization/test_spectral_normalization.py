import keras
import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dense, Embedding, Identity, SpectralNormalization
from tests.conformance import assert_gradients_match_keras, run_layer_test


def test_spectral_norm_conformance_and_keras_parity_dense():
    layer, _ = run_layer_test(
        SpectralNormalization, {"layer": Dense(3), "power_iterations": 2}, input_shape=(2, 4),
        expected_output_shape=(2, 3), expected_num_trainable_weights=2,
        expected_num_non_trainable_weights=1, keras_layer_cls=keras.layers.SpectralNormalization,
        keras_init_kwargs={"layer": keras.layers.Dense(3), "power_iterations": 2},
    )
    assert [w.shape for w in layer.get_weights()] == [(4, 3), (1, 3), (3,)]
    assert layer.get_config()["layer"]["class_name"] == "Dense"


def test_spectral_norm_conformance_embedding():
    # Keras 3.15 casts the output to the input's dtype, which turns embeddings of int ids into
    # ints (all zeros here); sloi keeps the float embeddings, so only weights are compared.
    layer, out = run_layer_test(
        SpectralNormalization, {"layer": Embedding(10, 3)}, input_shape=(2, 4),
        input_dtype="int32", expected_output_shape=(2, 4, 3), expected_num_trainable_weights=1,
        expected_num_non_trainable_weights=1)
    assert out.dtype == torch.float32
    keras_layer = keras.layers.SpectralNormalization(keras.layers.Embedding(10, 3))
    keras_layer.build((2, 4))
    assert [w.shape for w in layer.get_weights()] == [w.shape for w in keras_layer.get_weights()]


def test_spectral_norm_training_step_matches_keras():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((5, 4)).astype("float32")
    layer = SpectralNormalization(Dense(3), power_iterations=3)
    keras_layer = keras.layers.SpectralNormalization(keras.layers.Dense(3), power_iterations=3)
    layer.build((5, 4))
    keras_layer.build((5, 4))
    keras_layer.set_weights(layer.get_weights())
    out = layer(x, training=True)
    keras_out = keras_layer(x, training=True)
    np.testing.assert_allclose(out.detach().numpy(), keras_out.detach().cpu().numpy(), atol=1e-5)
    for ours, theirs in zip(layer.get_weights(), keras_layer.get_weights()):
        np.testing.assert_allclose(ours, theirs, atol=1e-5)
    # after enough iterations the kernel's largest singular value is 1
    for _ in range(30):
        layer(x, training=True)
    assert abs(np.linalg.svd(layer.get_weights()[0], compute_uv=False)[0] - 1) < 1e-3
    # inference leaves the weights alone
    before = layer.get_weights()
    layer(x)
    for a, b in zip(before, layer.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_spectral_norm_gradients_match_keras():
    x = np.random.default_rng(1).standard_normal((5, 4)).astype("float32")
    assert_gradients_match_keras(SpectralNormalization, keras.layers.SpectralNormalization,
                                 {"layer": Dense(3)}, x, training=True,
                                 keras_kwargs={"layer": keras.layers.Dense(3)})


def test_spectral_norm_in_a_model_round_trips(tmp_path):
    inputs = sloi.Input(shape=(4,))
    model = sloi.Model(inputs, SpectralNormalization(Dense(3))(inputs))
    path = tmp_path / "m.sloi"
    model.save(path)
    loaded = sloi.saving.load_model(path)
    x = torch.randn(2, 4)
    torch.testing.assert_close(loaded(x), model(x))
    for a, b in zip(model.get_weights(), loaded.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_spectral_norm_errors():
    with pytest.raises(ValueError, match=r'Layer "spectral_normalization" '
                                         r"\(SpectralNormalization\): power_iterations must be a "
                                         r"positive integer; got power_iterations=0"):
        SpectralNormalization(Dense(2), power_iterations=0)
    with pytest.raises(ValueError, match=r'the wrapped layer "identity" \(Identity\) has neither '
                                         r"a kernel nor embeddings"):
        SpectralNormalization(Identity())(sloi.Input(shape=(3,)))
    with pytest.raises(ValueError, match=r"SpectralNormalization wraps a sloi layer; got Linear"):
        SpectralNormalization(torch.nn.Linear(2, 2))
