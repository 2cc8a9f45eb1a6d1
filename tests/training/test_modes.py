"""fit / evaluate / predict / *_on_batch switch modes and put back exactly what they changed."""

import numpy as np
import torch

import sloi
from sloi.layers import Dense, Dropout
from sloi.training.modes import modes

X = np.random.default_rng(0).standard_normal((16, 4)).astype("float32")
Y = (X.sum(axis=1, keepdims=True) > 0).astype("float32")


def model_with_a_layer_kept_in_inference():
    model = sloi.Sequential([Dense(8, input_shape=(4,)), Dropout(0.9), Dense(1)])
    model.compile(optimizer="sgd", loss="mse")
    model.train()
    model.layers[1].eval()  # the user keeps this one in inference mode on purpose
    return model


def mode_map(model):
    return {name: m.training for name, m in model.named_modules()}


def test_each_loop_restores_every_module_mode_exactly():
    model = model_with_a_layer_kept_in_inference()
    before = mode_map(model)
    assert before[""] is True and model.layers[1].training is False
    model.predict(X, verbose=0)
    assert mode_map(model) == before
    model.evaluate(X, Y, verbose=0)
    assert mode_map(model) == before
    model.fit(X, Y, epochs=1, verbose=0, validation_data=(X, Y))
    assert mode_map(model) == before
    model.train_on_batch(X, Y)
    model.test_on_batch(X, Y)
    assert mode_map(model) == before


def test_predict_runs_in_inference_mode_whatever_the_model_mode():
    model = sloi.Sequential([Dropout(0.99, input_shape=(4,))])
    model.compile(optimizer="sgd", loss="mse")
    model.train()
    # Dropout at 0.99 in training would zero almost everything: inference passes x through
    np.testing.assert_array_equal(model.predict(X, verbose=0), X)
    assert model.training is True and model.layers[0].training is True


def test_modes_context_changes_only_what_differs():
    model = model_with_a_layer_kept_in_inference()
    seen = {}
    with modes(model, training=True):
        seen["inside"] = mode_map(model)
    assert all(seen["inside"].values())
    assert model.layers[1].training is False  # changed inside, restored after
    with modes(model, training=False):
        assert not any(m.training for m in model.modules())
    assert mode_map(model)[""] is True
    with torch.no_grad():
        assert model(X).shape == (16, 1)
