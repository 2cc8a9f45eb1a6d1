"""LambdaCallback: each function is called at its hook with Keras's arguments, and hooks left
out are not called at all."""

from collections.abc import Mapping

import numpy as np
import pytest

import sloi
import sloi.training  # noqa: F401  (plugs fit() into Model)
from sloi.callbacks import CallbackList, LambdaCallback
from sloi.layers import Dense

rng = np.random.default_rng(0)
X = rng.standard_normal((8, 3)).astype("float32")
Y = rng.standard_normal((8, 1)).astype("float32")


def small_model():
    model = sloi.Sequential([Dense(1, input_shape=(3,))])
    model.compile(optimizer="sgd", loss="mse")
    return model


def test_fit_hooks_get_keras_arguments():
    calls = []
    cb = LambdaCallback(
        on_train_begin=lambda logs: calls.append(("train_begin", dict(logs))),
        on_epoch_begin=lambda epoch, logs: calls.append(("epoch_begin", epoch, dict(logs))),
        # Keras passes the batch logs by keyword: a function naming its argument `logs` works.
        on_train_batch_begin=lambda batch, logs: calls.append(("batch_begin", batch, logs)),
        on_train_batch_end=lambda batch, logs: calls.append(
            ("batch_end", batch, isinstance(logs, Mapping), logs["loss"])),
        on_epoch_end=lambda epoch, logs: calls.append(("epoch_end", epoch, sorted(logs))),
        on_train_end=lambda logs: calls.append(("train_end", sorted(logs))),
    )
    small_model().fit(X, Y, batch_size=4, epochs=2, verbose=0, validation_data=(X, Y),
                      callbacks=[cb])
    names = [c[0] for c in calls]
    assert names == ["train_begin"] + ["epoch_begin", "batch_begin", "batch_end",
                                       "batch_begin", "batch_end", "epoch_end"] * 2 + [
                                           "train_end"]
    assert calls[0] == ("train_begin", {})
    assert calls[1] == ("epoch_begin", 0, {})
    assert calls[2] == ("batch_begin", 0, {})
    assert calls[3][:3] == ("batch_end", 0, True) and np.isfinite(calls[3][3])
    assert calls[5][:2] == ("batch_end", 1)
    assert calls[6] == ("epoch_end", 0, ["loss", "val_loss"])
    assert calls[7][:2] == ("epoch_begin", 1)
    assert calls[-1] == ("train_end", ["loss", "val_loss"])


def test_other_hooks_by_keyword():
    calls = []
    cb = LambdaCallback(
        on_test_begin=lambda logs: calls.append("test_begin"),
        on_test_batch_end=lambda batch, logs: calls.append(("test_batch_end", batch)),
        on_test_end=lambda logs: calls.append(("test_end", sorted(logs))),
        on_predict_begin=lambda logs: calls.append("predict_begin"),
        on_predict_batch_end=lambda batch, logs: calls.append(
            ("predict_batch_end", batch, tuple(logs["outputs"].shape))),
        on_predict_end=lambda logs: calls.append("predict_end"),
    )
    model = small_model()
    model.evaluate(X, Y, batch_size=4, verbose=0, callbacks=[cb])
    model.predict(X, batch_size=8, verbose=0, callbacks=[cb])
    assert calls == ["test_begin", ("test_batch_end", 0), ("test_batch_end", 1),
                     ("test_end", ["loss"]), "predict_begin", ("predict_batch_end", 0, (8, 1)),
                     "predict_end"]


def test_keras_2_batch_names_run_at_training_batches():
    batches = []
    cb = LambdaCallback(on_batch_end=lambda batch, logs: batches.append(batch))
    small_model().fit(X, Y, batch_size=4, epochs=1, verbose=0, callbacks=[cb])
    assert batches == [0, 1]


def test_hooks_left_out_are_not_dispatched():
    only_epochs = LambdaCallback(on_epoch_end=lambda epoch, logs: None)
    with_batches = LambdaCallback(on_train_batch_end=lambda batch, logs: None)
    assert isinstance(only_epochs, LambdaCallback)
    assert not CallbackList([only_epochs]).has("on_train_batch_end")
    assert CallbackList([only_epochs]).has("on_epoch_end")
    assert CallbackList([with_batches]).has("on_train_batch_end")
    # Each instance keeps its own hooks.
    assert not CallbackList([LambdaCallback()]).has("on_epoch_end")


def test_unknown_hook_is_refused():
    with pytest.raises(TypeError, match=r"LambdaCallback got unknown hooks \['on_epoch_start'\]"):
        LambdaCallback(on_epoch_start=print)
