"""fit / evaluate / predict against Keras 3 itself: same weights, same data, same numbers."""

import keras
import numpy as np
import pytest
import torch

import sloi
from tests.parity import build_both

rng = np.random.default_rng(0)
X = rng.standard_normal((64, 6)).astype("float32")
Y_BIN = (X[:, :1] + X[:, 1:2] > 0).astype("float32")
Y_INT = (np.abs(X[:, 0] * 2).astype(int) % 3).astype("int64")
Y_ONEHOT = np.eye(3, dtype="float32")[Y_INT]
Y_REG = (X @ rng.standard_normal((6, 2))).astype("float32")


def head(units, activation):
    def build(K):
        x = K.layers.Input(shape=(6,))
        h = K.layers.Dense(8, activation="tanh")(x)
        return K.Model(x, K.layers.Dense(units, activation=activation)(h))
    return build


CASES = [
    ("binary_crossentropy", head(1, "sigmoid"), Y_BIN, ["accuracy"]),
    ("categorical_crossentropy", head(3, "softmax"), Y_ONEHOT, ["accuracy"]),
    ("sparse_categorical_crossentropy", head(3, "softmax"), Y_INT, ["accuracy"]),
    ("mse", head(2, None), Y_REG, ["mae"]),
    ("mae", head(2, None), Y_REG, ["mse"]),
    ("huber", head(2, None), Y_REG, []),
]


@pytest.mark.parametrize("loss,builder,y,metrics", CASES, ids=[c[0] for c in CASES])
@pytest.mark.parametrize("momentum,nesterov", [(0.0, False), (0.9, True)])
def test_sgd_training_matches_keras(loss, builder, y, metrics, momentum, nesterov):
    ours, theirs = build_both(builder)
    ours.compile(optimizer=sloi.optimizers.SGD(0.1, momentum=momentum, nesterov=nesterov),
                 loss=loss, metrics=metrics)
    theirs.compile(optimizer=keras.optimizers.SGD(0.1, momentum=momentum, nesterov=nesterov),
                   loss=loss, metrics=metrics)
    h1 = ours.fit(X, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    h2 = theirs.fit(X, y, batch_size=16, epochs=3, shuffle=False, verbose=0)
    assert set(h1.history) == set(h2.history)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-4, atol=1e-5)
    for a, b in zip(ours.get_weights(), theirs.get_weights()):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-5)
    e1 = ours.evaluate(X, y, batch_size=10, verbose=0, return_dict=True)
    e2 = theirs.evaluate(X, y, batch_size=10, verbose=0, return_dict=True)
    assert set(e1) == set(e2)
    for key in e2:
        np.testing.assert_allclose(e1[key], e2[key], rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(ours.predict(X, verbose=0), theirs.predict(X, verbose=0),
                               rtol=1e-4, atol=1e-5)


def test_validation_split_and_sample_weights_match_keras():
    ours, theirs = build_both(head(1, "sigmoid"))
    sw = rng.random(64).astype("float32")
    for model, opt in ((ours, sloi.optimizers.SGD(0.05)), (theirs, keras.optimizers.SGD(0.05))):
        model.compile(optimizer=opt, loss="binary_crossentropy", metrics=["accuracy"],
                      weighted_metrics=["accuracy"])
    h1 = ours.fit(X, Y_BIN, sample_weight=sw, batch_size=8, epochs=2, shuffle=False,
                  validation_split=0.25, verbose=0)
    h2 = theirs.fit(X, Y_BIN, sample_weight=sw, batch_size=8, epochs=2, shuffle=False,
                    validation_split=0.25, verbose=0)
    assert set(h1.history) == set(h2.history)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-4, atol=1e-5)


def multi_output(K):
    x = K.layers.Input(shape=(6,), name="features")
    h = K.layers.Dense(8, activation="relu")(x)
    cls = K.layers.Dense(3, activation="softmax", name="cls")(h)
    reg = K.layers.Dense(1, name="reg")(h)
    return K.Model(x, [cls, reg])


def test_two_outputs_with_loss_weights_match_keras():
    ours, theirs = build_both(multi_output)
    spec = dict(loss={"cls": "sparse_categorical_crossentropy", "reg": "mse"},
                loss_weights={"cls": 1.0, "reg": 0.5}, metrics={"cls": ["accuracy"]})
    ours.compile(optimizer=sloi.optimizers.SGD(0.05), **spec)
    theirs.compile(optimizer=keras.optimizers.SGD(0.05), **spec)
    y = {"cls": Y_INT, "reg": Y_REG[:, :1]}
    h1 = ours.fit(X, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(X, y, batch_size=16, epochs=2, shuffle=False, verbose=0)
    assert set(h1.history) == set(h2.history)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-4, atol=1e-5)
    preds = ours.predict(X, verbose=0)
    assert isinstance(preds, list) and preds[0].shape == (64, 3) and preds[1].shape == (64, 1)


def test_lstm_classifier_training_matches_keras():
    def build(K):
        ids = K.layers.Input(shape=(12,), dtype="int32")
        h = K.layers.Embedding(30, 8)(ids)
        h = K.layers.LSTM(6)(h)
        return K.Model(ids, K.layers.Dense(1, activation="sigmoid")(h))

    ids = rng.integers(1, 30, size=(48, 12)).astype("int32")
    labels = (ids[:, 0] > 15).astype("float32")
    ours, theirs = build_both(build)
    ours.compile(optimizer=sloi.optimizers.SGD(0.5), loss="binary_crossentropy",
                 metrics=["accuracy"])
    theirs.compile(optimizer=keras.optimizers.SGD(0.5), loss="binary_crossentropy",
                   metrics=["accuracy"])
    h1 = ours.fit(ids, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)
    h2 = theirs.fit(ids, labels, batch_size=16, epochs=2, shuffle=False, verbose=0)
    for key in h2.history:
        np.testing.assert_allclose(h1.history[key], h2.history[key], rtol=1e-4, atol=1e-5)


def test_a_model_learns_a_small_task():
    torch.manual_seed(0)
    model = sloi.Sequential([sloi.layers.Dense(16, activation="relu", input_shape=(6,)),
                             sloi.layers.Dense(1, activation="sigmoid")])
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    history = model.fit(X, Y_BIN, batch_size=8, epochs=40, verbose=0)
    assert history.history["accuracy"][-1] >= 0.95
    assert history.history["loss"][-1] < history.history["loss"][0] / 2
    loss, acc = model.evaluate(X, Y_BIN, verbose=0)
    assert acc >= 0.95 and loss == pytest.approx(history.history["loss"][-1], rel=0.5)


def test_a_metric_with_one_value_per_class_is_logged_as_keras_logs_it():
    rng = np.random.default_rng(3)
    x = rng.standard_normal((16, 4)).astype("float32")
    y = np.eye(3, dtype="float32")[rng.integers(0, 3, 16)]

    def build(K):
        model = K.Sequential([K.Input((4,)), K.layers.Dense(3, activation="softmax")])
        model.compile("sgd", "categorical_crossentropy", metrics=[K.metrics.F1Score()])
        return model

    ours, theirs = build(sloi), build(keras)
    theirs.set_weights(ours.get_weights())
    fit = {"batch_size": 8, "epochs": 2, "shuffle": False, "verbose": 0,
           "validation_data": (x, y)}
    h_ours, h_theirs = ours.fit(x, y, **fit).history, theirs.fit(x, y, **fit).history
    for key in ("f1_score", "val_f1_score"):
        assert len(h_ours[key]) == 2 and h_ours[key][0].shape == (3,)
        np.testing.assert_allclose(np.stack(h_ours[key]), np.stack(
            [np.asarray(v) for v in h_theirs[key]]), rtol=1e-5, atol=1e-6)
