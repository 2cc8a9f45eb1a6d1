"""SwapEMAWeights: real fit / evaluate / predict runs, against Keras and against the averages
set into the model by hand."""

import keras
import numpy as np
import pytest

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi.callbacks import SwapEMAWeights
from tests.parity import build_both

rng = np.random.default_rng(0)
X = rng.standard_normal((32, 4)).astype("float32")
Y = (X @ rng.standard_normal((4, 2))).astype("float32")
X_VAL, Y_VAL = X[:8] + 0.5, Y[:8]


def _builder(K):
    x = K.layers.Input(shape=(4,))
    return K.Model(x, K.layers.Dense(2)(K.layers.Dense(5, activation="tanh")(x)))


def _pair(**optimizer_kwargs):
    kwargs = {"learning_rate": 0.1, "use_ema": True, "ema_momentum": 0.5, **optimizer_kwargs}
    ours, theirs = build_both(_builder)
    ours.compile(optimizer=sloi.optimizers.SGD(**kwargs), loss="mse")
    theirs.compile(optimizer=keras.optimizers.SGD(**kwargs), loss="mse")
    return ours, theirs


def _averages(model, optimizer=None):
    """The optimizer's averages in the model's weight order."""
    optimizer = optimizer or model.optimizer
    by_id = {id(w): a for w, a in zip(optimizer.trainable_variables,
                                      optimizer.model_variables_moving_average)}
    return [by_id[id(w)].detach().numpy().copy() for w in model.trainable_weights]


def test_validation_and_final_weights_match_keras():
    ours, theirs = _pair()
    fit = {"batch_size": 8, "epochs": 2, "shuffle": False, "verbose": 0,
           "validation_data": (X_VAL, Y_VAL)}
    h1 = ours.fit(X, Y, callbacks=[SwapEMAWeights(swap_on_epoch=True)], **fit)
    h2 = theirs.fit(X, Y, callbacks=[keras.callbacks.SwapEMAWeights(swap_on_epoch=True)], **fit)
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-5, atol=1e-6)
    # after the last epoch the averages are in the model, as in Keras
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-6)


def test_validation_uses_the_averages():
    ours, theirs = _pair()
    fit = {"batch_size": 8, "epochs": 1, "shuffle": False, "verbose": 0}
    ours.fit(X, Y, **fit)
    averages = _averages(ours)
    # as in Keras, fit ends with the averages in the model: move the weights away from them
    for a, b in zip(ours.get_weights(), averages):
        np.testing.assert_allclose(a, b, rtol=1e-6)
    ours.set_weights([w + 0.5 for w in ours.get_weights()])
    trained = ours.get_weights()

    evaluated = ours.evaluate(X_VAL, Y_VAL, verbose=0, callbacks=[SwapEMAWeights()])
    predicted = ours.predict(X_VAL, verbose=0, callbacks=[SwapEMAWeights()])
    for a, b in zip(ours.get_weights(), trained):  # swapped back after each
        np.testing.assert_array_equal(a, b)

    theirs.set_weights(averages)
    np.testing.assert_allclose(evaluated, theirs.evaluate(X_VAL, Y_VAL, verbose=0), rtol=1e-5)
    np.testing.assert_allclose(predicted, theirs.predict(X_VAL, verbose=0), rtol=1e-5,
                               atol=1e-6)


def test_inside_a_loss_scale_optimizer_and_a_multi_optimizer():
    ours, _ = _pair()
    inner = sloi.optimizers.Adam(0.05, use_ema=True)
    ours.compile(optimizer=sloi.optimizers.LossScaleOptimizer(inner, initial_scale=1.0),
                 loss="mse")
    ours.fit(X, Y, batch_size=8, epochs=1, verbose=0, callbacks=[SwapEMAWeights()])
    trained, averages = ours.get_weights(), _averages(ours, inner)
    swap = SwapEMAWeights()
    swap.set_model(ours)
    swap.on_predict_begin()
    for a, b in zip(ours.get_weights(), averages):
        np.testing.assert_array_equal(a, b)
    swap.on_predict_end()
    for a, b in zip(ours.get_weights(), trained):
        np.testing.assert_array_equal(a, b)

    plain, averaged = sloi.optimizers.SGD(0.1), sloi.optimizers.SGD(0.1, use_ema=True)
    multi = sloi.optimizers.MultiOptimizer(lambda w: averaged if w.ndim == 2 else plain)
    ours.compile(optimizer=multi, loss="mse")
    ours.fit(X, Y, batch_size=8, epochs=1, verbose=0)
    ours.set_weights([w + 0.5 for w in ours.get_weights()])  # away from the averages fit left
    before = ours.get_weights()
    swap.on_test_begin()
    after = ours.get_weights()
    swap.on_test_end()
    kernels_changed = [not np.array_equal(a, b) for a, b in zip(before, after)]
    assert kernels_changed == [w.ndim == 2 for w in before]  # only the averaged ones


def test_needs_an_optimizer_with_averages():
    ours, _ = _pair(use_ema=False)
    with pytest.raises(ValueError, match="use_ema=True"):
        ours.fit(X, Y, epochs=1, verbose=0, validation_data=(X_VAL, Y_VAL),
                 callbacks=[SwapEMAWeights()])
    multi = sloi.optimizers.MultiOptimizer(sloi.optimizers.OptimizerMap(sloi.optimizers.SGD()))
    ours.compile(optimizer=multi, loss="mse")
    with pytest.raises(ValueError, match="at least one inner optimizer"):
        ours.evaluate(X_VAL, Y_VAL, verbose=0, callbacks=[SwapEMAWeights()])
    fresh, _ = _pair()
    with pytest.raises(ValueError, match="first training step"):
        fresh.predict(X_VAL, verbose=0, callbacks=[SwapEMAWeights()])
