"""The ``training`` argument a layer's ``call`` receives, decided as Keras decides it."""

import keras
import numpy as np
import pytest

import sloi
from sloi.engine import training_flag

X = np.random.default_rng(0).normal(size=(8, 2)).astype("float32")
Y = np.ones((8, 1), "float32")


def _probe(lib, seen, default=None):
    class Probe(lib.layers.Layer):
        def call(self, x, training=default):
            seen.append(training)
            return x

    return Probe()


def test_fit_evaluate_and_predict_pass_the_flag_to_call_as_keras():
    def flags(lib):
        seen = []
        inp = lib.Input((2,))
        model = lib.Model(inp, lib.layers.Dense(1)(_probe(lib, seen)(inp)))
        model.compile("sgd", "mse")
        run = {}
        for name, fn in [("fit", lambda: model.fit(X, Y, batch_size=8, verbose=0)),
                         ("evaluate", lambda: model.evaluate(X, Y, batch_size=8, verbose=0)),
                         ("predict", lambda: model.predict(X, batch_size=8, verbose=0)),
                         ("eager", lambda: model(X)),
                         ("explicit", lambda: model(X, training=True))]:
            seen.clear()
            fn()
            run[name] = seen[-1]
        return run

    assert flags(sloi) == flags(keras) == {"fit": True, "evaluate": False, "predict": False,
                                           "eager": None, "explicit": True}


def test_a_subclassed_model_trains_its_batch_normalization_as_keras():
    def trained(lib):
        class Sub(lib.Model):
            def __init__(self):
                super().__init__()
                self.bn = lib.layers.BatchNormalization()
                self.dense = lib.layers.Dense(1, kernel_initializer="ones")

            def call(self, x, training=False):  # Keras overrides this default inside fit
                return self.dense(self.bn(x, training=training))

        model = Sub()
        model.compile("sgd", "mse")
        history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
        return np.asarray(model.bn.moving_mean), history.history["loss"]

    (ours_mean, ours_loss), (theirs_mean, theirs_loss) = trained(sloi), trained(keras)
    assert np.abs(theirs_mean).max() > 1e-4  # the statistics moved: training mode
    np.testing.assert_allclose(ours_mean, theirs_mean, atol=1e-6)
    np.testing.assert_allclose(ours_loss, theirs_loss, rtol=1e-5)


def test_an_explicit_flag_reaches_the_layers_inside_a_call_that_does_not_forward_it():
    def inner_flags(lib):
        seen = []

        class Outer(lib.layers.Layer):
            def __init__(self):
                super().__init__()
                self.probe = _probe(lib, seen)
                self.dropout = lib.layers.Dropout(0.999)

            def call(self, x):  # no training argument: the inner layers get the caller's
                return self.dropout(self.probe(x))

        outer = Outer()
        outer(X)
        seen.clear()
        dropped = np.asarray(outer(X, training=True))
        after = list(seen)
        seen.clear()
        kept = np.asarray(outer(X))
        return after + seen, bool((dropped == 0).mean() > 0.9), bool((kept == X).all())

    assert inner_flags(sloi) == inner_flags(keras) == ([True, None], True, True)


@pytest.mark.parametrize("default", [True, False])
def test_outside_any_loop_the_signature_default_holds(default):
    seen = []
    _probe(sloi, seen, default)(X)
    assert seen == [default]
    with training_flag.flag(not default):
        _probe(sloi, seen, default)(X)
    assert seen == [default, not default]


def test_a_torch_loop_after_train_counts_as_training():
    seen = []
    inp = sloi.Input((2,))
    model = sloi.Model(inp, _probe(sloi, seen)(inp))
    model.train()
    model(X)
    model.eval()
    model(X)
    assert seen[-2:] == [True, None]
