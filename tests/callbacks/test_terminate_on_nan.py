"""TerminateOnNaN: training stops at the first NaN loss, with the weights of the last good
step."""

import math

import numpy as np
import pytest
import torch

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


# ---------------------------------------------------------------------- weights and optimizer
X_BIG = (100 * X).astype("float32")
Y_BIG = (10 * Y).astype("float32")


def overflowing_model(lib=sloi):
    """SGD(1e36): batch 0's loss is finite, but its update overflows the weights to inf."""
    model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, activation="relu"),
                            lib.layers.Dense(1)])
    model.compile(lib.optimizers.SGD(1e36, momentum=0.9), "mse")
    return model


def test_an_update_that_overflows_the_weights_stops_at_once_and_is_undone(capsys):
    import keras

    model = overflowing_model()
    initial = model.get_weights()
    history = model.fit(X_BIG, Y_BIG, batch_size=4, epochs=2, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN()])
    # the loss of batch 0 was finite: only the weights tell
    assert len(history.history["loss"]) == 1 and math.isfinite(history.history["loss"][0])
    assert ("Batch 0: Invalid weights after the update (NaN or Inf), terminating training"
            in capsys.readouterr().out)
    for got, want in zip(model.get_weights(), initial):
        np.testing.assert_array_equal(got, want)
    assert model.optimizer.iterations == 0
    assert not model.optimizer.torch_optimizer.state  # no momentum left from the bad step

    # Keras looks at the loss only, and keeps the inf weights of batch 0
    reference = overflowing_model(keras)
    reference.set_weights(initial)
    reference.fit(X_BIG, Y_BIG, batch_size=4, epochs=2, shuffle=False, verbose=0,
                  callbacks=[keras.callbacks.TerminateOnNaN()])
    assert not all(np.isfinite(w).all() for w in reference.get_weights())

    # training goes on from the good state, with a learning rate that suits the data
    model.optimizer.learning_rate = 1e-6
    history = model.fit(X_BIG, Y_BIG, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert all(math.isfinite(v) for v in history.history["loss"])
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_raise_error_names_the_weights():
    model = overflowing_model()
    with pytest.raises(RuntimeError, match=r"^NaN or Inf weights after the update of batch 0 "
                                           r"\(its loss was [0-9.e+]+\)\. Terminating training "
                                           r"immediately\.$"):
        model.fit(X_BIG, Y_BIG, batch_size=4, shuffle=False, verbose=0,
                  callbacks=[TerminateOnNaN(raise_error=True)])
    assert all(np.isfinite(w).all() for w in model.get_weights())


def test_restore_false_only_stops():
    model = overflowing_model()
    history = model.fit(X_BIG, Y_BIG, batch_size=4, epochs=2, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN(restore=False)])
    assert len(history.history["loss"]) == 1 and model.stop_training
    assert not all(np.isfinite(w).all() for w in model.get_weights())
    assert model.optimizer.iterations == 1


def adam_pair():
    first, second = model_pair()
    for m in (first, second):
        m.compile(optimizer=sloi.optimizers.Adam(0.01), loss="mse")
    return first, second


def test_the_optimizer_state_of_the_last_good_step_comes_back():
    model, reference = adam_pair()
    model.fit(X_BAD, Y, batch_size=4, epochs=1, shuffle=False, verbose=0,
              callbacks=[TerminateOnNaN()])
    reference.fit(X[:8], Y[:8], batch_size=4, epochs=1, shuffle=False, verbose=0)
    assert model.optimizer.iterations == reference.optimizer.iterations == 2
    got = model.optimizer.torch_optimizer.state_dict()["state"]
    want = reference.optimizer.torch_optimizer.state_dict()["state"]
    assert got.keys() == want.keys() and len(got) == 4
    for index in want:
        for key in ("step", "exp_avg", "exp_avg_sq"):
            torch.testing.assert_close(got[index][key], want[index][key], rtol=0, atol=0)
    # and training goes on exactly as from the reference's state (Adam's moments would be NaN
    # had only the weights come back)
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    reference.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0)
    for got_w, want_w in zip(model.get_weights(), reference.get_weights()):
        assert np.isfinite(got_w).all()
        np.testing.assert_array_equal(got_w, want_w)


def test_a_stop_in_a_later_fit_restores_that_fit_s_state():
    model, reference = adam_pair()
    model.fit(X, Y, batch_size=4, epochs=1, shuffle=False, verbose=0,
              callbacks=[TerminateOnNaN()])
    model.fit(X_BAD, Y, batch_size=4, epochs=1, shuffle=False, verbose=0,
              callbacks=[TerminateOnNaN()])
    reference.fit(np.concatenate([X, X[:8]]), np.concatenate([Y, Y[:8]]), batch_size=4,
                  epochs=1, shuffle=False, verbose=0)
    assert model.optimizer.iterations == 6
    for got, want in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_array_equal(got, want)


def test_large_finite_weights_are_not_taken_for_infinite_ones():
    # 1e30 squared overflows float32, so the fast check's norm is inf; the weight is finite.
    # It multiplies an input feature that is always 0: the loss stays finite, the weight as is.
    model, _ = model_pair()
    weights = model.get_weights()
    weights[0][2, 0] = 1e30
    model.set_weights(weights)
    x = X.copy()
    x[:, 2] = 0.0
    history = model.fit(x, Y, batch_size=4, epochs=2, shuffle=False, verbose=0,
                        callbacks=[TerminateOnNaN()])
    assert len(history.history["loss"]) == 2 and not model.stop_training
    assert model.get_weights()[0][2, 0] == np.float32(1e30)
