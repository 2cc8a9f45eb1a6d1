"""Crossentropies, KL divergence and Poisson against keras.losses (torch backend)."""

import keras
import numpy as np
import pytest
import torch

import sloi.losses
from tests.losses.helpers import (
    assert_close,
    binary_labels,
    check_class,
    check_function,
    check_gradient,
    class_probs,
    logits,
    one_hot,
    probs,
    sample_weights,
    sparse_labels,
)

W8 = (None, sample_weights((8,)))
W_SEQ = (None, sample_weights((4, 5)))

BINARY_KWARGS = [
    {},
    {"label_smoothing": 0.2},
    {"from_logits": True},
    {"from_logits": True, "label_smoothing": 0.1},
]


def _binary_pred(kwargs, shape, seed=1):
    return logits(shape, seed) if kwargs.get("from_logits") else probs(shape, seed)


@pytest.mark.parametrize("kwargs", BINARY_KWARGS)
def test_binary_crossentropy(kwargs):
    y_true, y_pred = binary_labels((8, 3)), _binary_pred(kwargs, (8, 3))
    check_class("BinaryCrossentropy", kwargs, y_true, y_pred, W8)
    check_function("binary_crossentropy", kwargs, y_true, y_pred)


@pytest.mark.parametrize("kwargs", BINARY_KWARGS)
def test_binary_crossentropy_sequence(kwargs):
    y_true, y_pred = binary_labels((4, 5, 3)), _binary_pred(kwargs, (4, 5, 3))
    check_class("BinaryCrossentropy", kwargs, y_true, y_pred, W_SEQ)


def test_binary_crossentropy_labels_without_trailing_one():
    # (batch,) labels against (batch, 1) predictions: the usual sigmoid-output model.
    y_true, y_pred = binary_labels((8,)), probs((8, 1), 1)
    check_class("BinaryCrossentropy", {}, y_true, y_pred, W8)
    check_class("BinaryCrossentropy", {}, y_true[:, None], y_pred[:, 0], W8)


def test_binary_crossentropy_axis():
    y_true, y_pred = binary_labels((4, 5, 3)), probs((4, 5, 3), 1)
    check_class("BinaryCrossentropy", {"axis": 1}, y_true, y_pred)
    check_function("binary_crossentropy", {"axis": 1}, y_true, y_pred)


def test_binary_crossentropy_integer_and_bool_labels():
    y_pred = torch.tensor(probs((8, 3), 1))
    labels = binary_labels((8, 3))
    want = keras.losses.BinaryCrossentropy()(labels, y_pred)
    for y_true in (torch.tensor(labels).long(), torch.tensor(labels).bool()):
        assert_close(sloi.losses.BinaryCrossentropy()(y_true, y_pred), want)


@pytest.mark.parametrize("kwargs", [
    {},
    {"apply_class_balancing": True, "alpha": 0.4, "gamma": 1.5},
    {"from_logits": True, "label_smoothing": 0.1},
])
def test_binary_focal_crossentropy(kwargs):
    y_true, y_pred = binary_labels((8, 3)), _binary_pred(kwargs, (8, 3))
    check_class("BinaryFocalCrossentropy", kwargs, y_true, y_pred, W8)
    check_function("binary_focal_crossentropy", kwargs, y_true, y_pred)


CATEGORICAL_KWARGS = [
    {},
    {"label_smoothing": 0.1},
    {"from_logits": True},
    {"from_logits": True, "label_smoothing": 0.2},
]


def _categorical_pred(kwargs, shape, seed=1):
    return logits(shape, seed) if kwargs.get("from_logits") else class_probs(shape, seed)


@pytest.mark.parametrize("kwargs", CATEGORICAL_KWARGS)
def test_categorical_crossentropy(kwargs):
    y_true, y_pred = one_hot((8, 5)), _categorical_pred(kwargs, (8, 5))
    check_class("CategoricalCrossentropy", kwargs, y_true, y_pred, W8)
    check_function("categorical_crossentropy", kwargs, y_true, y_pred)


@pytest.mark.parametrize("kwargs", CATEGORICAL_KWARGS)
def test_categorical_crossentropy_sequence(kwargs):
    y_true, y_pred = one_hot((4, 5, 6)), _categorical_pred(kwargs, (4, 5, 6))
    check_class("CategoricalCrossentropy", kwargs, y_true, y_pred, W_SEQ)


@pytest.mark.parametrize("kwargs", CATEGORICAL_KWARGS)
def test_categorical_crossentropy_axis(kwargs):
    # Classes on axis 1; label smoothing still divides by the size of the last axis (Keras).
    y_true = one_hot((4, 5, 6)).transpose(0, 2, 1).copy()
    y_pred = _categorical_pred(kwargs, (4, 6, 5))
    kwargs = dict(kwargs, axis=1)
    check_class("CategoricalCrossentropy", kwargs, y_true, y_pred)
    check_function("categorical_crossentropy", kwargs, y_true, y_pred)


def test_categorical_crossentropy_rejects_bad_axis_and_shapes():
    y_true, y_pred = one_hot((8, 5)), class_probs((8, 5))
    with pytest.raises(ValueError, match="`axis` must be an int"):
        sloi.losses.categorical_crossentropy(y_true, y_pred, axis=True)
    with pytest.raises(ValueError, match="same shape"):
        sloi.losses.categorical_crossentropy(torch.tensor(y_true[:, :4]), torch.tensor(y_pred))


def test_categorical_crossentropy_warns_on_one_class():
    with pytest.warns(SyntaxWarning, match="num_classes > 1"):
        sloi.losses.categorical_crossentropy(torch.ones(4, 1), torch.rand(4, 1))


@pytest.mark.parametrize("kwargs", [
    {},
    {"alpha": 0.5, "gamma": 1.0, "from_logits": True, "label_smoothing": 0.1},
])
def test_categorical_focal_crossentropy(kwargs):
    y_true, y_pred = one_hot((8, 5)), _categorical_pred(kwargs, (8, 5))
    check_class("CategoricalFocalCrossentropy", kwargs, y_true, y_pred, W8)
    check_function("categorical_focal_crossentropy", kwargs, y_true, y_pred)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("label_shape", [(8,), (8, 1)])
def test_sparse_categorical_crossentropy(from_logits, label_shape):
    kwargs = {"from_logits": from_logits}
    y_true = sparse_labels(label_shape, 5)
    y_pred = _categorical_pred(kwargs, (8, 5))
    check_class("SparseCategoricalCrossentropy", kwargs, y_true, y_pred, W8)
    check_function("sparse_categorical_crossentropy", kwargs, y_true, y_pred)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_sequence(from_logits):
    kwargs = {"from_logits": from_logits}
    y_true, y_pred = sparse_labels((4, 5), 6), _categorical_pred(kwargs, (4, 5, 6))
    check_class("SparseCategoricalCrossentropy", kwargs, y_true, y_pred, W_SEQ)
    check_function("sparse_categorical_crossentropy", kwargs, y_true, y_pred)


@pytest.mark.parametrize("from_logits", [False, True])
def test_sparse_categorical_crossentropy_axis(from_logits):
    kwargs = {"from_logits": from_logits, "axis": 1}
    y_true, y_pred = sparse_labels((4, 5), 6), _categorical_pred(kwargs, (4, 6, 5))
    check_class("SparseCategoricalCrossentropy", kwargs, y_true, y_pred)
    check_function("sparse_categorical_crossentropy", kwargs, y_true, y_pred)


@pytest.mark.parametrize("from_logits", [False, True])
@pytest.mark.parametrize("ignore_class", [0, -1])
def test_sparse_categorical_crossentropy_ignore_class(from_logits, ignore_class):
    # Ignored labels add nothing and leave the mean: it runs over the other entries only.
    kwargs = {"from_logits": from_logits, "ignore_class": ignore_class}
    y_true = sparse_labels((4, 5), 6)
    y_true[0, :2] = ignore_class
    y_true[2, 3] = ignore_class
    y_pred = _categorical_pred(kwargs, (4, 5, 6))
    check_class("SparseCategoricalCrossentropy", kwargs, y_true, y_pred, W_SEQ)
    check_function("sparse_categorical_crossentropy", kwargs, y_true, y_pred)


def test_sparse_categorical_crossentropy_all_ignored_gives_zero():
    loss = sloi.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)
    out = loss(torch.zeros(4, dtype=torch.long), torch.randn(4, 3))
    assert out.shape == () and out == 0.0


def test_sparse_categorical_crossentropy_float_labels():
    # Keras casts labels through float32 to int64 (truncation); so do we.
    y_true, y_pred = sparse_labels((8,), 5).astype("float32"), class_probs((8, 5), 1)
    check_class("SparseCategoricalCrossentropy", {}, y_true, y_pred, W8)


def test_sparse_categorical_crossentropy_rejects_mismatched_labels():
    with pytest.raises(ValueError, match="without the class axis"):
        sloi.losses.sparse_categorical_crossentropy(torch.zeros(8, 2).long(), torch.rand(8, 5))


def test_kl_divergence_and_poisson():
    y_true, y_pred = probs((8, 4)), probs((8, 4), 1)
    for cls, fn in (("KLDivergence", "kl_divergence"), ("Poisson", "poisson")):
        check_class(cls, {}, y_true, y_pred, W8)
        check_function(fn, {}, y_true, y_pred)
        check_class(cls, {}, probs((4, 5, 3)), probs((4, 5, 3), 1), W_SEQ)


@pytest.mark.parametrize("name, kwargs, y_true, y_pred", [
    ("BinaryCrossentropy", {}, binary_labels((8, 3)), probs((8, 3), 1)),
    ("BinaryCrossentropy", {"label_smoothing": 0.1}, binary_labels((8, 3)), probs((8, 3), 1)),
    ("BinaryFocalCrossentropy", {}, binary_labels((8, 3)), probs((8, 3), 1)),
    ("CategoricalCrossentropy", {}, one_hot((8, 5)), probs((8, 5), 1)),
    ("CategoricalFocalCrossentropy", {}, one_hot((8, 5)), probs((8, 5), 1)),
    ("SparseCategoricalCrossentropy", {}, sparse_labels((8,), 5), probs((8, 5), 1)),
    ("KLDivergence", {}, probs((8, 4)), probs((8, 4), 1)),
    ("Poisson", {}, probs((8, 4)), probs((8, 4), 1)),
])
def test_gradients_finite_at_probabilities_0_and_1(name, kwargs, y_true, y_pred):
    assert (y_pred == 0).any() and (y_pred == 1).any()
    check_gradient(name, kwargs, y_true, y_pred)


@pytest.mark.parametrize("name, y_true", [
    ("BinaryCrossentropy", binary_labels((8, 3))),
    ("CategoricalCrossentropy", one_hot((8, 3))),
    ("SparseCategoricalCrossentropy", sparse_labels((8,), 3)),
])
def test_gradients_from_extreme_logits(name, y_true):
    y_pred = logits((8, 3), 1, scale=60.0)  # saturated: sigmoid / softmax round to 0 and 1
    check_gradient(name, {"from_logits": True}, y_true, y_pred)


def test_attributes_follow_keras():
    loss = sloi.losses.SparseCategoricalCrossentropy(True, 3)  # Keras's positional order
    assert (loss.from_logits, loss.ignore_class, loss.axis) == (True, 3, -1)
    # A changed attribute takes effect (in Keras it is silently ignored: the function keeps
    # the arguments given at construction).
    loss.from_logits, loss.ignore_class = False, None
    y_true, y_pred = sparse_labels((8,), 5), class_probs((8, 5), 1)
    assert_close(loss(torch.tensor(y_true), torch.tensor(y_pred)),
                 keras.losses.SparseCategoricalCrossentropy()(y_true, y_pred))
    assert np.isclose(sloi.losses.BinaryCrossentropy(label_smoothing=0.3).label_smoothing, 0.3)


@pytest.mark.parametrize("q", [0.5, 0.1, 0.9])
@pytest.mark.parametrize("label_shape, pred_shape", [((8,), (8, 4)), ((4, 5), (4, 5, 3))])
def test_categorical_generalized_cross_entropy(q, label_shape, pred_shape):
    y_true = sparse_labels(label_shape, pred_shape[-1])
    y_pred = class_probs(pred_shape, 1)
    weights = (None, sample_weights(label_shape))  # Keras refuses (batch,) for (batch, steps)
    check_class("CategoricalGeneralizedCrossEntropy", {"q": q}, y_true, y_pred, weights)
    check_function("categorical_generalized_cross_entropy", {"q": q}, y_true, y_pred)
    check_gradient("CategoricalGeneralizedCrossEntropy", {"q": q}, y_true, y_pred)


def test_categorical_generalized_cross_entropy_label_column():
    # Keras 3.15 broadcasts (batch, 1) labels into a (batch, batch) table; its docstring
    # promises (batch,) or (batch, 1), and sloi gives the (batch,) numbers for both.
    y_true, y_pred = sparse_labels((6,), 3), class_probs((6, 3), 2)
    got = sloi.losses.categorical_generalized_cross_entropy(y_true[:, None], y_pred, q=0.4)
    want = keras.losses.categorical_generalized_cross_entropy(torch.tensor(y_true),
                                                              torch.tensor(y_pred), q=0.4)
    assert_close(got, want)


def test_categorical_generalized_cross_entropy_q_and_shapes():
    for q in (0.0, 1.0, -0.5):
        with pytest.raises(ValueError, match="q"):
            sloi.losses.CategoricalGeneralizedCrossEntropy(q=q)
    with pytest.raises(ValueError, match="y_true of y_pred's shape without the class axis"):
        sloi.losses.categorical_generalized_cross_entropy(np.zeros((4, 2)), np.zeros((4, 3)),
                                                          q=0.5)


def test_categorical_generalized_cross_entropy_in_compile():
    from tests.losses.helpers import assert_same_training, dense_model

    x = logits((16, 4), 3, scale=1.0)
    y = sparse_labels((16,), 3)
    assert_same_training(dense_model(4, 3, "softmax"), x, y,
                         lambda m: m.losses.CategoricalGeneralizedCrossEntropy(q=0.7))
