"""ReduceLROnPlateau: when the rate drops and to what, against Keras driven by the same
monitored values."""

import keras
import numpy as np
import pytest

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi import optimizers
from sloi.callbacks import LambdaCallback, ReduceLROnPlateau
from sloi.layers import Dense

rng = np.random.default_rng(0)
X = rng.standard_normal((8, 3)).astype("float32")
Y = rng.standard_normal((8, 1)).astype("float32")


def sloi_run(values, lr=0.1, **kwargs):
    """fit() with ``logs["val_loss"]`` forced to ``values[epoch]``; returns the rate logged at
    each epoch end, the rate at the end, and the callback."""
    model = sloi.Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="mse")
    inject = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(val_loss=values[e]))
    reduce = ReduceLROnPlateau(**kwargs)
    history = model.fit(X, Y, epochs=len(values), verbose=0, callbacks=[inject, reduce])
    return history.history["learning_rate"], float(model.optimizer.learning_rate), reduce


def keras_run(values, lr=0.1, **kwargs):
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=lr), loss="mse")
    reduce = keras.callbacks.ReduceLROnPlateau(**kwargs)
    reduce.set_model(model)
    reduce.on_train_begin()
    logged = []
    for epoch, value in enumerate(values):
        logs = {"loss": 1.0, "val_loss": value}
        reduce.on_epoch_end(epoch, logs)
        logged.append(logs["learning_rate"])
    return logged, float(model.optimizer.learning_rate), reduce


PLATEAU = [1.0, 0.9, 0.9, 0.9, 0.9, 0.9, 0.8, 0.8, 0.8, 0.8]
CASES = [
    {"patience": 1},
    {"patience": 2, "factor": 0.5},
    {"patience": 1, "cooldown": 2},
    {"patience": 0, "factor": 0.5, "min_lr": 0.02},
    {"patience": 1, "min_delta": 0.15},
    {"patience": 3},
]


@pytest.mark.parametrize("kwargs", CASES)
def test_reduces_where_keras_reduces(kwargs):
    logged, final, ours = sloi_run(PLATEAU, **kwargs)
    keras_logged, keras_final, theirs = keras_run(PLATEAU, **kwargs)
    np.testing.assert_allclose(logged, keras_logged, rtol=1e-6)
    np.testing.assert_allclose(final, keras_final, rtol=1e-6)
    assert (ours.wait, ours.cooldown_counter, ours.best) == (
        theirs.wait, theirs.cooldown_counter, theirs.best)


def test_the_first_reduction_is_written_out():
    logged, final, _ = sloi_run([1.0, 1.0, 1.0], lr=0.1, patience=1, factor=0.5)
    # The logged rate is the one in use during the epoch, before the callback changes it.
    np.testing.assert_allclose(logged, [0.1, 0.1, 0.05], rtol=1e-6)
    np.testing.assert_allclose(final, 0.025, rtol=1e-6)


def test_verbose_message(capsys):
    keras_run([1.0, 1.0], lr=0.1, patience=0, factor=0.5, verbose=1)
    theirs = capsys.readouterr().out
    assert "Epoch 2: ReduceLROnPlateau reducing learning rate to 0.050000" in theirs
    sloi_run([1.0, 1.0], lr=0.1, patience=0, factor=0.5, verbose=1)
    assert capsys.readouterr().out.strip() == theirs.strip()  # the float32 rate, halved


def test_missing_key_warns_and_still_logs_the_rate():
    model = sloi.Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match=r"Learning rate reduction is conditioned on metric "
                                         r"`val_loss` which is not available\. Available "
                                         r"metrics are: loss,learning_rate\."):
        history = model.fit(X, Y, epochs=1, verbose=0, callbacks=[ReduceLROnPlateau()])
    np.testing.assert_allclose(history.history["learning_rate"], [0.01], rtol=1e-6)


def test_factor_of_one_or_more_is_refused():
    with pytest.raises(ValueError, match=r"does not support a factor >= 1\.0\. Received "
                                         r"factor=1\.5"):
        ReduceLROnPlateau(factor=1.5)


def test_unknown_argument_is_refused():
    with pytest.raises(TypeError, match=r"unexpected arguments: \['patiense'\]"):
        ReduceLROnPlateau(patiense=3)
