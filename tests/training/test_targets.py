"""Targets as Keras takes them: bool, int and float targets give Keras's losses and metrics;
None axes of an output match any size, real mismatches are still refused."""

import keras
import numpy as np
import pytest

import sloi

RNG = np.random.default_rng(1)
X = RNG.normal(size=(8, 5)).astype("float32")
IDS = RNG.integers(0, 3, 8)


def _pair(loss, metrics, units=3, activation="softmax"):
    def make(lib):
        model = lib.Sequential([lib.layers.Input((5,)),
                                lib.layers.Dense(units, activation=activation)])
        model.compile(optimizer="sgd", loss=loss, metrics=metrics)
        return model

    ours, theirs = make(sloi), make(keras)
    ours.set_weights(theirs.get_weights())
    return ours, theirs


@pytest.mark.parametrize("dtype", [bool, np.int64, np.uint8, np.float32])
@pytest.mark.parametrize("loss,metrics", [
    ("categorical_crossentropy", ["accuracy"]),
    ("categorical_crossentropy", ["categorical_accuracy", "mse"]),
    ("binary_crossentropy", ["accuracy", "binary_accuracy", "auc"]),
    ("mse", ["mae", "precision", "recall"]),
])
def test_one_hot_targets_of_any_dtype_give_keras_losses_and_metrics(loss, metrics, dtype):
    y = np.eye(3)[IDS].astype(dtype)
    ours, theirs = _pair(loss, metrics)
    got = ours.evaluate(X, y, verbose=0, return_dict=True)
    want = theirs.evaluate(X, y, verbose=0, return_dict=True)
    assert got.keys() == want.keys()
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, atol=1e-6, err_msg=key)
    h_ours = ours.fit(X, y, batch_size=4, shuffle=False, verbose=0).history
    h_theirs = theirs.fit(X, y, batch_size=4, shuffle=False, verbose=0).history
    for key in h_theirs:
        np.testing.assert_allclose(h_ours[key], h_theirs[key], rtol=1e-4, atol=1e-6,
                                   err_msg=key)


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.uint8, np.float32])
def test_sparse_labels_of_any_dtype_give_keras_losses_and_metrics(dtype):
    ours, theirs = _pair("sparse_categorical_crossentropy", ["accuracy"])
    y = IDS.astype(dtype)
    got = ours.evaluate(X, y, verbose=0, return_dict=True)
    want = theirs.evaluate(X, y, verbose=0, return_dict=True)
    for key in want:
        np.testing.assert_allclose(got[key], want[key], rtol=1e-5, err_msg=key)


@pytest.mark.parametrize("metric", ["CategoricalAccuracy", "TopKCategoricalAccuracy",
                                    "OneHotIoU"])
def test_standalone_one_hot_metrics_take_bool_labels(metric):
    kwargs = {"num_classes": 3, "target_class_ids": [0, 1]} if metric == "OneHotIoU" else {}
    if metric == "TopKCategoricalAccuracy":
        kwargs = {"k": 2}
    y = np.eye(3, dtype=bool)[IDS]
    pred = RNG.random((8, 3)).astype("float32")
    got = getattr(sloi.metrics, metric)(**kwargs)(y, pred)
    want = getattr(keras.metrics, metric)(**kwargs)(y, pred)
    np.testing.assert_allclose(float(got), float(want), rtol=1e-6)


def _sequence_model(units=3):
    inp = sloi.layers.Input((None, 5))
    model = sloi.Model(inp, sloi.layers.Dense(units, activation="softmax")(inp))
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    return model


def test_a_none_time_axis_matches_targets_of_any_length():
    model = _sequence_model()
    x = RNG.normal(size=(4, 6, 5)).astype("float32")
    y = np.eye(3, dtype=bool)[RNG.integers(0, 3, (4, 6))]
    history = model.fit(x, y, verbose=0).history
    assert np.isfinite(history["loss"][0])


@pytest.mark.parametrize("shape", [(4, 6, 4), (4, 6), (4, 6, 3, 1)])
def test_a_none_time_axis_still_refuses_real_mismatches(shape):
    model = _sequence_model()
    x = RNG.normal(size=(4, 6, 5)).astype("float32")
    with pytest.raises(ValueError, match=r"categorical_crossentropy.*got \(" + str(shape[0])):
        model.fit(x, np.zeros(shape, "float32"), verbose=0)


def test_a_none_axis_in_a_regression_output_matches_any_size():
    inp = sloi.layers.Input((None, 2))
    model = sloi.Model(inp, sloi.layers.Dense(1)(inp))
    model.compile(optimizer="sgd", loss="mse")
    model.fit(np.zeros((3, 7, 2), "float32"), np.zeros((3, 7), "float32"), verbose=0)
    with pytest.raises(ValueError, match="same shape"):
        model.fit(np.zeros((3, 7, 2), "float32"), np.zeros((3, 7, 2), "float32"), verbose=0)
