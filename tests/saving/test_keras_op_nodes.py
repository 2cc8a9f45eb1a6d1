"""A `.keras` file written by Keras 3 whose functional graph holds op nodes (a residual
``x + inputs``, ``ops.mean``, slicing) loads in sloi and predicts what Keras predicts."""

import numpy as np


def test_keras_written_residual_and_ops_mean_load_and_predict_the_same(tmp_path):
    import keras

    import sloi

    inputs = keras.Input((6, 4))
    x = keras.layers.Dense(4, activation="tanh")(inputs)
    x = x + inputs
    x = keras.ops.mean(x, axis=1, keepdims=False)
    x = keras.layers.Dense(3)(x[:, 1:] * 2.0)
    model = keras.Model(inputs, x)
    path = tmp_path / "residual.keras"
    model.save(path)
    data = np.random.default_rng(0).standard_normal((5, 6, 4)).astype("float32")
    loaded = sloi.saving.load_model(path)
    np.testing.assert_allclose(loaded.predict(data, verbose=0), model.predict(data, verbose=0),
                               rtol=1e-5, atol=1e-6)
    assert [layer.name for layer in loaded.layers] == [layer.name for layer in model.layers]
