"""TerminateOnNaN: training stops at the first NaN loss, with the weights of the last good
step."""

import math

import numpy as np
import pytest

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi.callbacks import LambdaCallback, TerminateOnNaN
from sloi.layers import Dense

rng = np.random.default_rng(0)
X = rng.standard_normal((16, 3)).astype("float32")
Y = rng.standard_normal((16, 1)).astype("float32")
X_BAD = X.copy()
X_BAD[9, 1] = np.nan  # in batch 2 of 4 (batch_size=4, no shuffling)


def model_pair():
    """Two models with the same weights: one to break, one to train on the good part only."""
    first = sloi.Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(1)])
    first.compile(optimizer="sgd", loss="mse")
    second = sloi.Sequential([Dense(4, activation="relu", input_shape=(3,)), Dense(1)])
    second.compile(optimizer="sgd", loss="mse")
    second.set_weights(first.get_weights())
    return first, second


def test_stops_at_the_nan_batch_with_the_weights_of_the_batch_before(capsys):
    model, reference = model_pair()
    batches = []
    count = LambdaCallback(on_train_batch_end=lambda batch, logs: batches.append(batch))
    history = model.fit(X_BAD, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN(), count])
    assert batches == [0, 1, 2]
    assert len(history.history["loss"]) == 1 and math.isnan(history.history["loss"][0])
    assert model.stop_training
    assert "Batch 2: Invalid loss, terminating training" in capsys.readouterr().out

    reference.fit(X[:8], Y[:8], batch_size=4, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        assert np.isfinite(got).all()
        np.testing.assert_array_equal(got, want)


def test_nan_at_the_first_batch_gives_back_the_initial_weights():
    model, _ = model_pair()
    initial = model.get_weights()
    x = X.copy()
    x[0, 0] = np.nan  # NaN, not inf: relu(-inf) = 0 could keep the loss finite
    model.fit(x, Y, batch_size=4, epochs=2, shuffle=False, verbose=0,
              callbacks=[TerminateOnNaN()])
    for got, want in zip(model.get_weights(), initial):
        np.testing.assert_array_equal(got, want)


def test_nan_in_a_later_epoch():
    model, reference = model_pair()

    def batches():  # epoch 0: the good data; epoch 1: the data with a NaN in its batch 2
        for x in (X, X_BAD):
            for i in range(0, 16, 4):
                yield x[i:i + 4], Y[i:i + 4]

    history = model.fit(batches(), steps_per_epoch=4, epochs=3, verbose=0,
                        callbacks=[TerminateOnNaN()])
    assert len(history.history["loss"]) == 2
    assert math.isfinite(history.history["loss"][0]) and math.isnan(history.history["loss"][1])
    reference.fit(np.concatenate([X, X[:8]]), np.concatenate([Y, Y[:8]]), batch_size=4,
                  epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_raise_error_restores_then_raises():
    model, reference = model_pair()
    with pytest.raises(RuntimeError, match=r"NaN or Inf loss encountered at batch 2\. Loss "
                                           r"value: nan\. Terminating training immediately\."):
        model.fit(X_BAD, Y, batch_size=4, epochs=1, shuffle=False, verbose=0,
                  callbacks=[TerminateOnNaN(raise_error=True)])
    reference.fit(X[:8], Y[:8], batch_size=4, epochs=1, shuffle=False, verbose=0)
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_finite_training_is_untouched():
    model, reference = model_pair()
    model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0,
              callbacks=[TerminateOnNaN()])
    reference.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert not model.stop_training
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)
