"""EarlyStopping: the epoch it stops at and the weights it restores, against Keras driven by
the same sequence of monitored values."""

import keras
import numpy as np
import pytest

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi.callbacks import EarlyStopping, LambdaCallback
from sloi.layers import Dense

rng = np.random.default_rng(0)
X = rng.standard_normal((8, 3)).astype("float32")
Y = rng.standard_normal((8, 1)).astype("float32")


def sloi_run(values, key="val_loss", **kwargs):
    """fit() with ``logs[key]`` forced to ``values[epoch]`` just before EarlyStopping reads it;
    returns the callback, the epochs run, the weights at each epoch end and the final ones."""
    model = sloi.Sequential([Dense(2, input_shape=(3,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    snapshots = []

    def inject(epoch, logs):
        logs[key] = values[epoch]
        snapshots.append(model.get_weights())

    stop = EarlyStopping(monitor=key, **kwargs)
    history = model.fit(X, Y, batch_size=4, epochs=len(values), verbose=0, shuffle=False,
                        callbacks=[LambdaCallback(on_epoch_end=inject), stop])
    return stop, len(history.history["loss"]), snapshots, model.get_weights()


def keras_run(values, key="val_loss", **kwargs):
    """Keras's EarlyStopping fed the same values through its hooks, as fit() would."""
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    stop = keras.callbacks.EarlyStopping(monitor=key, **kwargs)
    stop.set_model(model)
    model.stop_training = False
    stop.on_train_begin()
    epochs = 0
    for epoch, value in enumerate(values):
        epochs += 1
        stop.on_epoch_end(epoch, {"loss": 1.0, key: value})
        if model.stop_training:
            break
    stop.on_train_end()
    return stop, epochs


CASES = [
    ([1.0, 0.9, 0.95, 0.97, 0.8], {}),
    ([1.0, 0.9, 0.95, 0.97, 0.8, 0.85], {"patience": 2}),
    ([1.0, 1.1, 1.2], {}),  # no stop at epoch 0 even with patience 0
    ([1.0, 0.99, 0.98, 0.97, 0.96], {"min_delta": 0.015, "patience": 1}),
    ([1.0, 0.9, 0.8, 0.7, 0.6, 0.5], {"baseline": 0.55, "patience": 2}),
    ([1.0, 0.9, 0.8, 0.7, 0.6, 0.5], {"baseline": 0.75, "patience": 3}),
    ([0.5, 0.9, 1.0, 0.95, 0.97, 0.99], {"start_from_epoch": 2}),
    ([0.5, 0.6, 0.55, 0.7, 0.65, 0.64], {"key": "val_score", "mode": "max", "patience": 1}),
    ([0.5, 0.4, 0.45, 0.3, 0.35], {"mode": "min", "patience": 1, "restore_best_weights": True}),
    ([1.0, 0.8, 0.9, 0.7], {"patience": 5, "restore_best_weights": True}),  # runs to the end
    ([1.0, 1.2, 1.1], {"baseline": 0.5, "patience": 2, "restore_best_weights": True}),
    ([1.0, 0.9, 0.8, 0.85], {"baseline": 0.5, "patience": 3}),  # improving, under baseline
    ([1.0, 0.98, 0.97, 0.95, 0.949], {"min_delta": 0.015, "patience": 1}),
    ([0.1, 0.1 - 1e-10], {}),  # equal in float32, where Keras compares: no improvement
]


@pytest.mark.parametrize("values, kwargs", CASES)
def test_stops_where_keras_stops(values, kwargs):
    ours, epochs, snapshots, final = sloi_run(values, **kwargs)
    theirs, keras_epochs = keras_run(values, **kwargs)
    assert epochs == keras_epochs
    assert ours.stopped_epoch == theirs.stopped_epoch
    assert ours.best == theirs.best
    assert ours.best_epoch == theirs.best_epoch
    assert ours.wait == theirs.wait
    if kwargs.get("restore_best_weights"):
        # Restored at train end whether training stopped early or ran all its epochs.
        for got, want in zip(final, snapshots[ours.best_epoch]):
            np.testing.assert_array_equal(got, want)
    else:
        for got, want in zip(final, snapshots[-1]):
            np.testing.assert_array_equal(got, want)


def test_restored_weights_differ_from_the_last_ones():
    _, epochs, snapshots, final = sloi_run([1.0, 0.5, 0.9, 0.9], patience=2,
                                           restore_best_weights=True)
    assert epochs == 4
    assert not np.array_equal(snapshots[1][0], snapshots[-1][0])
    np.testing.assert_array_equal(final[0], snapshots[1][0])


def test_a_callback_object_serves_two_fits():
    model = sloi.Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    values = iter([1.0, 1.1, 1.0, 1.1])
    inject = LambdaCallback(on_epoch_end=lambda e, logs: logs.update(val_loss=next(values)))
    stop = EarlyStopping()
    for _ in range(2):
        history = model.fit(X, Y, epochs=5, verbose=0, callbacks=[inject, stop])
        assert len(history.history["loss"]) == 2
        assert stop.stopped_epoch == 1


def test_verbose_messages(capsys):
    sloi_run([1.0, 0.5, 0.9], restore_best_weights=True, verbose=1)
    out = capsys.readouterr().out
    assert "Epoch 3: early stopping" in out
    assert "Restoring model weights from the end of the best epoch: 2." in out


def test_missing_key_warns_with_the_available_keys():
    model = sloi.Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    with pytest.warns(UserWarning, match=r"Early stopping conditioned on metric `val_loss` "
                                         r"which is not available\. Available metrics are: loss"):
        history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[EarlyStopping()])
    assert len(history.history["loss"]) == 2


def test_auto_mode_refuses_a_name_of_unknown_direction():
    with pytest.raises(ValueError, match=r"monitor=val_score, but the direction of that metric"):
        sloi_run([1.0, 2.0], key="val_score")


def test_unknown_mode_falls_back_to_auto():
    with pytest.warns(UserWarning, match="EarlyStopping mode 'best' is unknown"):
        stop = EarlyStopping(mode="best")
    assert stop.mode == "auto"


@pytest.mark.parametrize("metric, monitor, op", [
    ("accuracy", "val_accuracy", np.greater),
    ("mean_absolute_error", "val_mean_absolute_error", np.less),
    ("accuracy", "val_loss", np.less),
])
def test_auto_mode_follows_the_metric_direction(metric, monitor, op):
    """Keras 3's rule: a loss goes down, a compiled metric goes its `_direction`."""
    model = sloi.Sequential([Dense(1, activation="sigmoid", input_shape=(3,))])
    model.compile(optimizer="sgd", loss="binary_crossentropy", metrics=[metric])
    stop = EarlyStopping(monitor=monitor)
    model.fit(X, (Y > 0).astype("float32"), epochs=1, verbose=0, validation_data=(X, Y > 0),
              callbacks=[stop])
    assert stop.monitor_op is op
