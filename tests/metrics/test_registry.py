"""get / serialize / deserialize by Keras's names, and compile's resolution of metric entries
(the accuracy rule included) against Keras's own compile_utils."""

import types

import keras
import numpy as np
import pytest
import torch
from keras.src.metrics import ALL_OBJECTS_DICT as KERAS_NAMES
from keras.src.trainers.compile_utils import get_metric as keras_get_metric

from sloi import metrics as M
from sloi.metrics.registry import _BY_NAME

SLOI = types.SimpleNamespace(metrics=M)  # so that one builder makes a sloi and a Keras metric


@pytest.mark.parametrize("name", sorted(KERAS_NAMES))
def test_every_keras_name(name):
    try:
        theirs = keras.metrics.get(name)
    except TypeError:  # a required argument (MeanMetricWrapper's fn, IoU's num_classes, ...)
        with pytest.raises(TypeError):
            M.get(name)
        return
    ours = M.get(name)
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name


def test_no_names_beyond_keras():
    assert set(_BY_NAME) <= set(KERAS_NAMES)


@pytest.mark.parametrize("typo,suggestion", [("acuracy", "accuracy"), ("binary_acc", "binary_accuracy"),
                                             ("presicion", "precision"), ("AUc", "AUC")])
def test_unknown_names_suggest_the_closest(typo, suggestion):
    with pytest.raises(ValueError, match=f"Could not interpret metric identifier: '{typo}'.*'{suggestion}'"):
        M.get(typo)


def test_nothing_close():
    with pytest.raises(ValueError, match=r"identifier: 'zzzzzzzz'\.$"):
        M.get("zzzzzzzz")


def test_acc_is_for_compile_only():
    with pytest.raises(ValueError, match="Only `compile"):
        M.get("acc")
    assert type(M.get("accuracy")) is M.Accuracy  # Keras's get: exact-match accuracy


def my_metric(y_true, y_pred):
    return torch.abs(y_true - y_pred)


def test_get_other_identifiers():
    assert M.get(None) is None
    auc = M.AUC()
    assert M.get(auc) is auc
    assert type(M.get(M.Recall)) is M.Recall
    wrapped = M.get(my_metric)
    assert isinstance(wrapped, M.MeanMetricWrapper) and wrapped.name == "my_metric"
    wrapped.update_state(torch.tensor([1.0, 2.0]), torch.tensor([2.0, 2.0]))
    assert wrapped.result().item() == 0.5
    keras_metric = keras.metrics.AUC()  # an object that behaves like a metric is kept as it is
    assert M.get(keras_metric) is keras_metric
    with pytest.raises(ValueError, match="Could not interpret metric identifier: 42"):
        M.get(42)


@pytest.mark.parametrize("make", [
    lambda K: K.metrics.AUC(num_thresholds=7, curve="PR"),
    lambda K: K.metrics.Precision(thresholds=[0.2, 0.6], class_id=1),
    lambda K: K.metrics.BinaryAccuracy(threshold=0.3, name="ba"),
    lambda K: K.metrics.SparseCategoricalCrossentropy(from_logits=True),
    lambda K: K.metrics.MeanSquaredError(),
    lambda K: K.metrics.Mean(name="m"),
])
def test_serialize_matches_keras_and_round_trips(make):
    ours, theirs = make(SLOI), make(keras)
    config = M.serialize(ours)
    assert config == keras.metrics.serialize(theirs)
    again = M.deserialize(config)
    assert type(again) is type(ours) and again.get_config() == ours.get_config()
    assert M.get(keras.metrics.serialize(theirs)).get_config() == ours.get_config()


def test_mean_metric_wrapper_with_a_user_function_round_trips():
    m = M.MeanMetricWrapper(my_metric, name="mine")
    config = M.serialize(m)
    assert config["config"]["fn"]["config"] == "my_metric"
    with pytest.raises(ValueError, match="custom_objects"):
        M.deserialize(config)
    again = M.deserialize(config, custom_objects={"my_metric": my_metric})
    assert again._fn is my_metric and again.name == "mine"
    assert M.serialize(M.binary_accuracy)["config"] == "binary_accuracy"
    assert M.deserialize(M.serialize(M.binary_accuracy)) is M.binary_accuracy


# (labels shape, output shape): binary, sparse, categorical, sequences, odd ones.
SHAPES = [((8,), (8, 1)), ((8, 1), (8, 1)), ((8,), (8, 5)), ((8, 1), (8, 5)), ((8, 5), (8, 5)),
          ((8, 7), (8, 7, 5)), ((8, 7, 1), (8, 7, 5)), ((8, 7, 5), (8, 7, 5)), ((8,), (8,)),
          ((8, 3), (8, 3, 1)), ((8, 2), (8, 1))]


@pytest.mark.parametrize("true_shape,pred_shape", SHAPES)
@pytest.mark.parametrize("identifier", ["accuracy", "acc", "Accuracy", "ACC"])
def test_accuracy_rule_matches_keras_compile(true_shape, pred_shape, identifier):
    theirs = keras_get_metric(identifier, np.zeros(true_shape), np.zeros(pred_shape))
    ours = M.resolve(identifier, torch.zeros(true_shape), torch.zeros(pred_shape))
    assert type(ours).__name__ == type(theirs).__name__
    assert ours.name == theirs.name == identifier
    assert type(M.resolve_accuracy(true_shape, pred_shape)) is type(ours)


@pytest.mark.parametrize("identifier", ["mse", "MAE", "auc", "binary_crossentropy", "Precision",
                                        "root_mean_squared_error", "logcosh_is_unknown"])
def test_resolve_names_entries_as_keras_logs_them(identifier):
    shapes = (np.zeros((4, 1)), np.zeros((4, 1)))
    if identifier == "logcosh_is_unknown":
        with pytest.raises(ValueError):
            M.resolve(identifier, *shapes)
        return
    theirs = keras_get_metric(identifier, *shapes)
    ours = M.resolve(identifier, *shapes)
    assert (type(ours).__name__, ours.name) == (type(theirs).__name__, theirs.name)


def test_resolve_keeps_the_names_of_objects():
    assert M.resolve(my_metric, (4,), (4,)).name == keras_get_metric(my_metric, None, None).name
    assert M.resolve(M.AUC(name="roc"), (4,), (4,)).name == "roc"
    assert M.resolve(M.TopKCategoricalAccuracy, (4, 5), (4, 5)).name == "top_k_categorical_accuracy"
    with pytest.raises(ValueError, match="Expected metric, received `None`"):
        M.resolve(None, (4,), (4,))
