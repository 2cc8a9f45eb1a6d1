"""The logs callbacks, History and the ``return_dict`` results see: keys in Keras's order."""

import keras
import numpy as np
import pytest

import sloi

RNG = np.random.default_rng(0)
X = RNG.random((16, 2)).astype("float32")
Y = (X[:, :1] > 0.5).astype("float32")


def _model(lib):
    model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(1, activation="sigmoid")])
    model.compile("sgd", "binary_crossentropy", metrics=["mae", "accuracy", "AUC"])
    return model


def _keys_seen(lib):
    seen = {}

    class Spy(lib.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            seen.setdefault("batch", list(logs))

        def on_epoch_end(self, epoch, logs=None):
            seen["epoch"] = list(logs)

        def on_train_end(self, logs=None):
            seen["end"] = list(logs)

    model = _model(lib)
    history = model.fit(X, Y, epochs=1, validation_data=(X, Y), verbose=0, callbacks=[Spy()])
    seen["history"] = list(history.history)
    seen["evaluate"] = list(model.evaluate(X, Y, return_dict=True, verbose=0))
    seen["train_on_batch"] = list(model.train_on_batch(X, Y, return_dict=True))
    return seen


def test_log_keys_come_in_keras_order():
    assert _keys_seen(sloi) == _keys_seen(keras)


@pytest.mark.parametrize("method", ["train_on_batch", "test_on_batch", "evaluate"])
def test_results_as_a_list_keep_the_metrics_order(method):
    ours, theirs = _model(sloi), _model(keras)
    ours.set_weights(theirs.get_weights())
    kwargs = {"verbose": 0} if method == "evaluate" else {}
    if method == "train_on_batch":  # sgd: the same step on the same weights
        got, want = ours.train_on_batch(X, Y), theirs.train_on_batch(X, Y)
    else:
        got, want = getattr(ours, method)(X, Y, **kwargs), getattr(theirs, method)(X, Y, **kwargs)
    np.testing.assert_allclose(got, want, atol=1e-5)


def _callback_view(lib):
    """What callbacks see of a fit with ReduceLROnPlateau (which adds ``learning_rate``)."""
    seen = {}

    class Before(lib.callbacks.Callback):
        def on_train_begin(self, logs=None):
            seen["params"] = dict(self.params)

        def on_epoch_end(self, epoch, logs=None):
            seen["epoch, before"] = list(logs)

        def on_train_end(self, logs=None):
            seen["end"] = list(logs)

    class After(lib.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            seen["epoch, after"] = list(logs)

    model = _model(lib)
    history = model.fit(X, Y, epochs=2, verbose=0, callbacks=[
        Before(), lib.callbacks.ReduceLROnPlateau(monitor="loss", patience=0), After()])
    seen["history"] = list(history.history)
    return seen


def test_callbacks_see_keras_params_and_what_earlier_callbacks_added():
    assert _callback_view(sloi) == _callback_view(keras)


def test_the_epoch_line_lists_values_in_keras_order(capsys):
    def line(lib):
        model = _model(lib)
        model.fit(X, Y, epochs=1, verbose=2, validation_data=(X, Y),
                  callbacks=[lib.callbacks.LearningRateScheduler(lambda epoch, lr: lr)])
        text = capsys.readouterr().out.strip().splitlines()[-1]
        return [part.split(":")[0] for part in text.split(" - ")[3:]]

    assert line(sloi) == line(keras)


@pytest.mark.parametrize("verbose", [1, 2])
def test_the_progress_line_shows_keras_names_order_and_number_forms(verbose, capsys):
    """A metric per class shows as its mean, zero as 0.0000e+00, names as Keras orders them
    (the live bar: training names first; one line: all sorted)."""
    def line(lib):
        model = lib.Sequential([lib.Input((2,)), lib.layers.Dense(2, activation="softmax")])
        model.compile("sgd", "categorical_crossentropy", metrics=[
            lib.metrics.F1Score(average=None), lib.metrics.MeanSquaredError(name="zero")])
        model.set_weights(weights)
        labels = np.eye(2, dtype="float32")[(X[:, 0] > 0.5).astype(int)]
        model.fit(X, labels, epochs=1, verbose=verbose, shuffle=False,
                  validation_data=(X, labels * 0))  # F1 and the loss exactly 0
        text = capsys.readouterr().out.replace("\r", "\n").strip().splitlines()[-1]
        parts = [part.split(": ") for part in text.split(" - ") if ": " in part]
        return [(name, value) for name, value in parts]

    weights = [np.array([[0.3, -0.2], [0.1, 0.4]], "float32"), np.zeros(2, "float32")]
    ours, theirs = line(sloi), line(keras)
    assert [name for name, _ in ours] == [name for name, _ in theirs]
    assert dict(ours)["val_loss"] == "0.0000e+00"
    for (name, got), (_, want) in zip(ours, theirs):
        assert ("e" in got) == ("e" in want), (name, got, want)
        assert float(got) == pytest.approx(float(want), abs=2e-4), name
