"""Crossentropy, KL divergence and Poisson metrics against keras.metrics."""

import keras
import numpy as np
import pytest
import torch

from sloi import metrics as M
from tests.metrics.metric_parity import assert_same_function, assert_same_metric, rng


def _probs(r, *shape):
    x = r.random(shape).astype("float32") + 0.05
    return x / x.sum(-1, keepdims=True)


def _onehot(r, classes, *shape):
    return np.eye(classes, dtype="float32")[r.integers(0, classes, shape)]


def _w(r, weighted, n):
    return r.random(n).astype("float32") if weighted else None


@pytest.mark.parametrize("kwargs", [{}, {"from_logits": True}, {"label_smoothing": 0.1}])
@pytest.mark.parametrize("weighted", [False, True])
def test_binary_crossentropy(kwargs, weighted):
    r = rng(1)
    batches = []
    for n in (6, 4, 5):
        y_pred = r.random((n, 2)).astype("float32")
        if kwargs.get("from_logits"):
            y_pred = r.normal(size=(n, 2)).astype("float32") * 3
        batches.append((r.integers(0, 2, (n, 2)).astype("float32"), y_pred, _w(r, weighted, n)))
    assert_same_metric(M.BinaryCrossentropy(**kwargs), keras.metrics.BinaryCrossentropy(**kwargs),
                       batches)


def test_binary_crossentropy_on_rank_one_inputs_counts_each_batch_once():
    r = rng(2)
    batches = [(r.integers(0, 2, (n,)).astype("float32"), r.random(n).astype("float32"))
               for n in (8, 2)]
    assert_same_metric(M.BinaryCrossentropy(), keras.metrics.BinaryCrossentropy(), batches)


def test_binary_crossentropy_wants_equal_shapes():
    with pytest.raises(ValueError, match="same shape"):
        M.BinaryCrossentropy().update_state(torch.zeros(4), torch.zeros(4, 1))


@pytest.mark.parametrize("kwargs", [{}, {"from_logits": True}, {"label_smoothing": 0.2}])
@pytest.mark.parametrize("weighted", [False, True])
def test_categorical_crossentropy(kwargs, weighted):
    r = rng(3)
    batches = []
    for n in (6, 4):
        y_pred = (r.normal(size=(n, 5)).astype("float32") if kwargs.get("from_logits")
                  else _probs(r, n, 5))
        batches.append((_onehot(r, 5, n), y_pred, _w(r, weighted, n)))
    assert_same_metric(M.CategoricalCrossentropy(**kwargs),
                       keras.metrics.CategoricalCrossentropy(**kwargs), batches)


def test_categorical_crossentropy_on_sequences_and_other_axis():
    r = rng(4)
    batches = [(_onehot(r, 4, 3, 5), _probs(r, 3, 5, 4), r.random((3, 5)).astype("float32"))]
    assert_same_metric(M.CategoricalCrossentropy(), keras.metrics.CategoricalCrossentropy(),
                       batches)
    t = np.moveaxis(_onehot(r, 4, 3, 5), -1, 1)
    p = np.moveaxis(_probs(r, 3, 5, 4), -1, 1)
    assert_same_metric(M.CategoricalCrossentropy(axis=1),
                       keras.metrics.CategoricalCrossentropy(axis=1), [(t, p)])


@pytest.mark.parametrize("label_shape", [(), (1,)])
@pytest.mark.parametrize("kwargs", [{}, {"from_logits": True}])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_categorical_crossentropy(label_shape, kwargs, weighted):
    r = rng(5)
    batches = []
    for n in (6, 4):
        y_pred = (r.normal(size=(n, 5)).astype("float32") if kwargs.get("from_logits")
                  else _probs(r, n, 5))
        batches.append((r.integers(0, 5, (n,) + label_shape), y_pred, _w(r, weighted, n)))
    assert_same_metric(M.SparseCategoricalCrossentropy(**kwargs),
                       keras.metrics.SparseCategoricalCrossentropy(**kwargs), batches)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_sparse_categorical_crossentropy_ignore_class_on_sequences(from_logits, weighted):
    r = rng(6)
    batches = []
    for n in (3, 2):
        y_pred = r.normal(size=(n, 4, 5)).astype("float32") if from_logits else _probs(r, n, 4, 5)
        # Per-step weights: Keras cannot fold the ignore mask into per-sample ones either.
        batches.append((r.integers(0, 5, (n, 4)), y_pred, _w(r, weighted, (n, 4))))
    kwargs = {"from_logits": from_logits, "ignore_class": 2}
    assert_same_metric(M.SparseCategoricalCrossentropy(**kwargs),
                       keras.metrics.SparseCategoricalCrossentropy(**kwargs), batches)


def test_ignore_class_with_per_sample_weights_weighs_every_step_by_its_sample():
    # Keras cannot fold the ignore mask into per-sample weights; per-step ones are what we mean.
    r = rng(11)
    y_true, y_pred = r.integers(0, 5, (3, 4)), _probs(r, 3, 4, 5)
    sw = r.random(3).astype("float32")
    ours = M.SparseCategoricalCrossentropy(ignore_class=1)
    ours.update_state(torch.tensor(y_true), torch.tensor(y_pred), sample_weight=torch.tensor(sw))
    theirs = keras.metrics.SparseCategoricalCrossentropy(ignore_class=1)
    theirs.update_state(y_true, y_pred, sample_weight=np.repeat(sw[:, None], 4, axis=1))
    np.testing.assert_allclose(ours.result().numpy(), keras.ops.convert_to_numpy(theirs.result()),
                               rtol=1e-6)


@pytest.mark.parametrize("name", ["KLDivergence", "Poisson"])
@pytest.mark.parametrize("weighted", [False, True])
def test_kl_divergence_and_poisson(name, weighted):
    r = rng(7)
    batches = [(_probs(r, n, 4), _probs(r, n, 4), _w(r, weighted, n)) for n in (5, 3)]
    assert_same_metric(getattr(M, name)(), getattr(keras.metrics, name)(), batches)


@pytest.mark.parametrize("name", ["kl_divergence", "poisson"])
def test_functions_match_keras(name):
    r = rng(9)
    assert_same_function(getattr(M, name), getattr(keras.metrics, name),
                         r.integers(0, 2, (4, 3)).astype("float32"), _probs(r, 4, 3))


@pytest.mark.parametrize("name,kwargs", [
    ("binary_crossentropy", {"from_logits": True}),
    ("categorical_crossentropy", {"label_smoothing": 0.1}),
    ("sparse_categorical_crossentropy", {}),
])
def test_crossentropy_functions_match_keras(name, kwargs):
    r = rng(10)
    y_true = (r.integers(0, 4, (5, 2)) if name.startswith("sparse")
              else _onehot(r, 4, 5, 2))
    assert_same_function(getattr(M, name), getattr(keras.metrics, name), y_true,
                         _probs(r, 5, 2, 4), **kwargs)


@pytest.mark.parametrize("name,kwargs", [
    ("BinaryCrossentropy", {"from_logits": True, "label_smoothing": 0.1}),
    ("CategoricalCrossentropy", {"label_smoothing": 0.2, "axis": 1}),
    ("SparseCategoricalCrossentropy", {"ignore_class": 0, "from_logits": True}),
    ("KLDivergence", {}), ("Poisson", {}),
])
def test_configs_match_keras_and_round_trip(name, kwargs):
    ours, theirs = getattr(M, name)(**kwargs), getattr(keras.metrics, name)(**kwargs)
    assert ours.get_config() == theirs.get_config()
    assert type(ours).from_config(ours.get_config()).get_config() == ours.get_config()


# keras.metrics' focal crossentropies and huber are keras.losses' functions; sloi's too.
@pytest.mark.parametrize("name, kwargs, shape", [
    ("binary_focal_crossentropy", {}, (6, 3)),
    ("binary_focal_crossentropy", {"apply_class_balancing": True, "from_logits": True}, (6, 3)),
    ("categorical_focal_crossentropy", {}, (6, 4)),
    ("categorical_focal_crossentropy", {"alpha": 0.5, "label_smoothing": 0.1}, (2, 3, 4)),
    ("huber", {}, (6, 3)),
    ("huber", {"delta": 0.3}, (2, 3, 4)),
])
def test_loss_functions_as_metric_functions(name, kwargs, shape):
    import sloi.losses

    assert getattr(M, name) is getattr(sloi.losses, name)
    assert getattr(keras.metrics, name) is getattr(keras.losses, name)
    r = rng(9)
    if name == "huber":
        y_true = r.normal(size=shape).astype("float32")
    elif name.startswith("binary"):
        y_true = r.integers(0, 2, shape).astype("float32")
    else:
        y_true = np.eye(shape[-1], dtype="float32")[r.integers(0, shape[-1], shape[:-1])]
    y_pred = r.random(shape).astype("float32")
    assert_same_function(getattr(M, name), getattr(keras.metrics, name), y_true, y_pred,
                         **kwargs)
    # As a running mean, and through a config that names the function.
    ours = M.MeanMetricWrapper(getattr(M, name), name=name, **kwargs)
    assert_same_metric(ours, keras.metrics.MeanMetricWrapper(getattr(keras.metrics, name),
                                                             name=name, **kwargs),
                       [(y_true, y_pred), (y_true[:2], y_pred[:2])])
    again = M.deserialize(M.serialize(ours))
    assert again._fn is getattr(M, name) and again.get_config() == ours.get_config()


def test_loss_functions_as_metrics_in_compile():
    from tests.losses.helpers import assert_same_training, dense_model

    r = rng(0)
    x = r.standard_normal((16, 4)).astype("float32")
    y = (x[:, :1] > 0).astype("float32")
    assert_same_training(dense_model(4, 1, "sigmoid"), x, y, "binary_crossentropy", metrics=[
        lambda m: m.metrics.binary_focal_crossentropy, lambda m: m.metrics.huber])
