"""The strategy the loops follow: the one-process default, a chosen strategy, and the refusal
to train alone in a group of several processes."""

import numpy as np
import pytest
import torch

import sloi
from sloi.callbacks import History
from sloi.layers import Dense, Input
from sloi.training import Trainer, data_adapters
from sloi.training import strategy as strategy_mod

rng = np.random.default_rng(5)
X = rng.standard_normal((24, 3)).astype("float32")
Y = X.sum(axis=1, keepdims=True).astype("float32")


def small_model():
    torch.manual_seed(0)
    model = sloi.Sequential([Input((3,)), Dense(1)])
    model.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    return model


@pytest.fixture
def no_chosen_strategy(monkeypatch):
    monkeypatch.setattr(strategy_mod, "_chosen", None)


@pytest.fixture
def two_processes(monkeypatch, no_chosen_strategy):
    """As if torch.distributed ran a group of two processes (no collective is made)."""
    monkeypatch.setattr(strategy_mod, "process_count", lambda: 2)


def test_one_process_follows_the_default_strategy(no_chosen_strategy):
    model = small_model()
    assert strategy_mod.current(model, training=True) is strategy_mod.DEFAULT
    assert strategy_mod.current(model, training=False) is strategy_mod.DEFAULT


def test_the_default_strategy_keeps_everything_as_one_process_has_it():
    default, model = strategy_mod.DEFAULT, small_model()
    batches = list(default.adapt(X, Y, None, 10, False, None, None))
    assert [tuple(b[0].shape) for b in batches] == [(10, 3), (10, 3), (4, 3)]
    torch.testing.assert_close(torch.cat([b[1] for b in batches]), torch.from_numpy(Y))
    predicted = list(default.predict_data(model, X, 16, None, None))
    assert [tuple(b[0].shape) for b in predicted] == [(16, 3), (8, 3)]
    flat = [torch.ones(2)]
    assert default.gather_predictions(predicted, flat) is flat
    callbacks = [History()]
    assert default.callbacks(Trainer(model), callbacks) is callbacks
    assert default.training_module(model, torch.zeros(2, 3)) is model
    assert default.single_process


def test_results_of_the_default_strategy_are_the_trainers_own():
    trainer = Trainer(sloi.Sequential([Input((3,)), Dense(1)]))
    trainer.compile(optimizer="sgd", loss="mse", metrics=["mae"])
    trainer.fit(X, Y, batch_size=8, verbose=0)
    ours = strategy_mod.DEFAULT.results(trainer)
    assert ours.keys() == {"loss", "mae"}
    for name, value in trainer.get_metrics_result().items():
        torch.testing.assert_close(ours[name], value)


def test_training_alone_in_a_group_of_several_processes_is_refused(two_processes):
    model = small_model()
    before = model.get_weights()
    message = (r'Model "sequential(_\d+)?": torch.distributed runs a group of 2 processes, but '
               r"this process has no data-parallel strategy, so it would train alone. Create "
               r"sloi.distribute.DataParallel\(\) before training")
    with pytest.raises(RuntimeError, match=message):
        model.fit(X, Y, verbose=0)
    with pytest.raises(RuntimeError, match=message):
        model.train_on_batch(X[:4], Y[:4])
    for a, b in zip(before, model.get_weights()):
        np.testing.assert_array_equal(a, b)


def test_evaluating_and_predicting_alone_in_a_group_give_the_whole_data(two_processes):
    model = small_model()
    want = model(torch.from_numpy(X)).detach().numpy()
    np.testing.assert_allclose(model.predict(X, batch_size=7, verbose=0), want, atol=1e-6)
    mse = float(np.mean((want - Y) ** 2))
    loss, _ = model.evaluate(X, Y, batch_size=7, verbose=0)
    np.testing.assert_allclose(loss, mse, rtol=1e-5)


class FirstHalf(strategy_mod.Strategy):
    """A strategy that trains on the first half of every batch, and says when it is asked."""

    def __init__(self):
        self.calls = []

    def adapt(self, x, y, sample_weight, batch_size, shuffle, device, steps):
        self.calls.append("adapt")
        return data_adapters.adapt(x[: len(x) // 2], y[: len(y) // 2], sample_weight,
                                   batch_size, shuffle, device, steps)

    def callbacks(self, trainer, callbacks):
        self.calls.append("callbacks")
        return callbacks

    def end_of_epoch(self, model):
        self.calls.append("end_of_epoch")

    def end_of_fit(self):
        self.calls.append("end_of_fit")


def test_a_chosen_strategy_rules_in_a_group_of_several_processes(monkeypatch,
                                                                no_chosen_strategy):
    reference = small_model()  # one process, on the first half of the data
    reference.fit(X[:12], Y[:12], batch_size=4, epochs=2, shuffle=False, verbose=0)
    monkeypatch.setattr(strategy_mod, "process_count", lambda: 2)
    chosen = FirstHalf()
    strategy_mod.choose(chosen)
    model = small_model()
    history = model.fit(X, Y, batch_size=4, epochs=2, shuffle=False, verbose=0)
    assert chosen.calls == ["adapt", "callbacks", "end_of_epoch", "end_of_epoch", "end_of_fit"]
    for a, b in zip(model.get_weights(), reference.get_weights()):
        np.testing.assert_allclose(a, b, atol=1e-6)
    assert len(history.history["loss"]) == 2


def test_a_chosen_strategy_is_not_followed_by_one_process(no_chosen_strategy):
    strategy_mod.choose(FirstHalf())
    assert strategy_mod.current(small_model(), training=True) is strategy_mod.DEFAULT


def test_only_a_strategy_can_be_chosen(no_chosen_strategy):
    with pytest.raises(TypeError, match="choose\\(\\) takes a sloi Strategy; got str"):
        strategy_mod.choose("mirrored")
    assert strategy_mod.chosen() is None
