"""Hinge metrics and functions against keras.metrics."""

import keras
import pytest

from sloi import metrics as M
from tests.metrics.metric_parity import assert_same_function, assert_same_metric, rng


@pytest.mark.parametrize("name", ["Hinge", "SquaredHinge", "CategoricalHinge"])
@pytest.mark.parametrize("labels", ["zero_one", "signed"])
def test_hinge_metrics(name, labels):
    r = rng(8)
    batches = []
    for n in (5, 3):
        y = (r.integers(0, 2, (n, 3)) if labels == "zero_one" or name == "CategoricalHinge"
             else r.choice([-1, 1], (n, 3))).astype("float32")
        batches.append((y, r.normal(size=(n, 3)).astype("float32"), r.random(n).astype("float32")))
    assert_same_metric(getattr(M, name)(), getattr(keras.metrics, name)(), batches)


@pytest.mark.parametrize("name", ["hinge", "squared_hinge", "categorical_hinge"])
@pytest.mark.parametrize("labels", ["zero_one", "signed"])
def test_functions_match_keras(name, labels):
    r = rng(9)
    y_true = (r.integers(0, 2, (4, 3)) if labels == "zero_one" else r.choice([-1, 1], (4, 3)))
    assert_same_function(getattr(M, name), getattr(keras.metrics, name),
                         y_true.astype("float32"), r.normal(size=(4, 3)).astype("float32"))


@pytest.mark.parametrize("name", ["Hinge", "SquaredHinge", "CategoricalHinge"])
def test_configs_match_keras_and_round_trip(name):
    ours, theirs = getattr(M, name)(), getattr(keras.metrics, name)()
    assert ours.get_config() == theirs.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()
