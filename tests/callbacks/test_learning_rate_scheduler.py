"""LearningRateScheduler: the rate of each epoch, and the weights training with it gives,
against Keras."""

import keras
import numpy as np
import pytest

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi import optimizers
from sloi.callbacks import LambdaCallback, LearningRateScheduler
from sloi.layers import Dense

rng = np.random.default_rng(0)
X = rng.standard_normal((8, 3)).astype("float32")
Y = rng.standard_normal((8, 1)).astype("float32")


def sloi_model(lr=0.1):
    model = sloi.Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer=optimizers.SGD(learning_rate=lr), loss="mse")
    return model


@pytest.mark.parametrize("schedule", [
    lambda epoch, lr: lr * 0.5,
    lambda epoch: 0.1 / (epoch + 1),
])
def test_training_matches_keras_with_the_same_schedule(schedule):
    kmodel = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    kmodel.compile(optimizer=keras.optimizers.SGD(learning_rate=0.1), loss="mse")
    model = sloi_model(0.1)
    model.set_weights(kmodel.get_weights())

    seen = []
    record = LambdaCallback(
        on_epoch_begin=lambda e, logs: seen.append(float(model.optimizer.learning_rate)))
    history = model.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                        callbacks=[LearningRateScheduler(schedule), record])
    keras_history = kmodel.fit(X, Y, batch_size=4, epochs=3, shuffle=False, verbose=0,
                               callbacks=[keras.callbacks.LearningRateScheduler(schedule)])

    np.testing.assert_allclose(seen, history.history["learning_rate"], rtol=1e-7)
    np.testing.assert_allclose(history.history["learning_rate"],
                               keras_history.history["learning_rate"], rtol=1e-6)
    np.testing.assert_allclose(history.history["loss"], keras_history.history["loss"],
                               rtol=1e-5)
    for got, want in zip(model.get_weights(), kmodel.get_weights()):
        np.testing.assert_allclose(got, want, atol=1e-6)


def test_sets_the_rate_each_epoch_with_the_current_rate_passed_in():
    calls = []

    def schedule(epoch, lr):
        calls.append((epoch, lr))
        return 0.01 * (epoch + 1)

    model = sloi_model(0.5)
    history = model.fit(X, Y, epochs=3, verbose=0, callbacks=[LearningRateScheduler(schedule)])
    np.testing.assert_allclose([lr for _, lr in calls], [0.5, 0.01, 0.02])
    assert [e for e, _ in calls] == [0, 1, 2]
    np.testing.assert_allclose(history.history["learning_rate"], [0.01, 0.02, 0.03])


def test_type_error_inside_a_two_argument_schedule_is_not_swallowed():
    def schedule(epoch, lr):
        return lr + "oops"

    with pytest.raises(TypeError, match="unsupported operand"):
        sloi_model().fit(X, Y, epochs=1, verbose=0, callbacks=[LearningRateScheduler(schedule)])


def test_a_schedule_that_returns_no_float_is_refused():
    with pytest.raises(ValueError, match=r"The output of the `schedule` function should be a "
                                         r"float\. Got: 1"):
        sloi_model().fit(X, Y, epochs=1, verbose=0,
                         callbacks=[LearningRateScheduler(lambda epoch: 1)])


def test_verbose_message(capsys):
    sloi_model().fit(X, Y, epochs=1, verbose=0,
                     callbacks=[LearningRateScheduler(lambda e: 0.25, verbose=1)])
    assert "Epoch 1: LearningRateScheduler setting learning rate to 0.25." in (
        capsys.readouterr().out)
