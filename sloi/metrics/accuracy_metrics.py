"""Accuracy metrics: how often predictions match labels, as functions (one value per sample)
and as the running-mean metrics built on them.

Shapes follow Keras: sparse labels may be ``(batch,)`` or ``(batch, 1)``; sequence outputs
``(batch, steps, classes)`` give one value per step, averaged over the steps of each sample.
"""

import torch

from sloi.metrics.metrics_utils import as_tensor, squeeze_or_expand_to_same_rank
from sloi.metrics.reduction_metrics import MeanMetricWrapper


def accuracy(y_true, y_pred):
    """1.0 where ``y_true == y_pred`` exactly, else 0.0."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    return (y_true == y_pred).float()


def binary_accuracy(y_true, y_pred, threshold=0.5):
    """1.0 where ``y_pred > threshold`` agrees with the 0/1 label."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    y_true, y_pred = squeeze_or_expand_to_same_rank(y_true, y_pred)
    # `==` promotes the boolean decision to the labels' dtype, as Keras's explicit cast does.
    return (y_true == (y_pred > threshold)).float()


def _argmax_matches(y_true, y_pred, squeeze):
    """Compare class ids ``y_true`` with ``argmax(y_pred)``. With ``squeeze``, the labels' last
    axis is dropped for the comparison and the matches take the labels' shape back."""
    original_shape = y_true.shape
    if squeeze:
        y_true = y_true.squeeze(-1)
    # Integer ids against labels of any dtype: `==` promotes them, no cast kernel needed.
    matches = (y_true == torch.argmax(y_pred, dim=-1)).float()
    return matches.reshape(original_shape) if squeeze else matches


def _one_hot_ids(y_true):
    """The class ids of one-hot labels; bool labels (one-hot arrays of np.bool_) count as 0/1,
    as Keras's argmax takes them."""
    return torch.argmax(y_true.to(torch.uint8) if y_true.dtype == torch.bool else y_true, dim=-1)


def categorical_accuracy(y_true, y_pred):
    """1.0 where the one-hot label's argmax equals the prediction's argmax."""
    y_pred = as_tensor(y_pred)
    y_true = _one_hot_ids(as_tensor(y_true, device=y_pred.device))
    # Labels of rank one above the predictions (e.g. (batch, classes, 1)) lose their last axis.
    return _argmax_matches(y_true, y_pred, squeeze=y_true.dim() == y_pred.dim())


def sparse_categorical_accuracy(y_true, y_pred):
    """1.0 where the integer label equals the prediction's argmax; labels ``(batch,)`` or
    ``(batch, 1)`` give ``(batch,)``."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    squeeze = y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1
    matches = _argmax_matches(y_true, y_pred, squeeze)
    return matches.squeeze(-1) if matches.dim() > 1 and matches.shape[-1] == 1 else matches


def _in_top_k(targets, predictions, k):
    """True where the target's score is at least the k-th largest score (ties count as in).

    ``k`` larger than the number of classes means every target is in (TensorFlow's rule; Keras's
    torch backend would fail instead).
    """
    k = min(k, predictions.shape[-1])
    kth_largest = torch.topk(predictions, k, dim=-1).values[:, -1]
    target_score = torch.gather(predictions, 1, targets.long().unsqueeze(1)).squeeze(1)
    return target_score >= kth_largest


def _top_k_matches(y_true_ids, y_pred, k):
    original_shape = y_true_ids.shape
    y_pred = y_pred.reshape(-1, y_pred.shape[-1]) if y_pred.dim() > 2 else y_pred
    matches = _in_top_k(y_true_ids.reshape(-1), y_pred, k).float()
    return matches.reshape(original_shape)


def top_k_categorical_accuracy(y_true, y_pred, k=5):
    """1.0 where the one-hot label's class is among the ``k`` highest predictions."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return _top_k_matches(_one_hot_ids(y_true), y_pred, k)


def sparse_top_k_categorical_accuracy(y_true, y_pred, k=5, from_sorted_ids=False):
    """1.0 where the integer label is among the ``k`` highest predictions.

    Args:
        from_sorted_ids: ``y_pred`` holds class ids sorted by score (best first) rather than
            scores; the label is then looked up among its first ``k`` columns.
    """
    y_pred = as_tensor(y_pred)
    if from_sorted_ids:
        y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
        original_shape = y_true.shape
        ids = y_pred.reshape(-1, y_pred.shape[-1])[:, :k]
        matches = (y_true.reshape(-1, 1) == ids).any(dim=1).float()
        return matches.reshape(original_shape)
    y_true = as_tensor(y_true, device=y_pred.device).to(torch.int32)
    return _top_k_matches(y_true, y_pred, k)


class Accuracy(MeanMetricWrapper):
    """How often ``y_pred`` equals ``y_true`` exactly.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="accuracy", dtype=None):
        super().__init__(fn=accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryAccuracy(MeanMetricWrapper):
    """How often ``y_pred > threshold`` matches the 0/1 label.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        threshold: Probability above which a prediction counts as 1.
    """

    def __init__(self, name="binary_accuracy", dtype=None, threshold=0.5):
        super().__init__(fn=binary_accuracy, name=name, dtype=dtype, threshold=threshold)
        self.threshold = threshold
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "threshold": self.threshold}


class CategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of ``y_pred`` matches the argmax of one-hot ``y_true``.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="categorical_accuracy", dtype=None):
        super().__init__(fn=categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class SparseCategoricalAccuracy(MeanMetricWrapper):
    """How often the argmax of ``y_pred`` matches the integer label.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="sparse_categorical_accuracy", dtype=None):
        super().__init__(fn=sparse_categorical_accuracy, name=name, dtype=dtype)
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class TopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the one-hot label's class is among the ``k`` highest predictions.

    Args:
        k: How many top predictions count.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, k=5, name="top_k_categorical_accuracy", dtype=None):
        super().__init__(fn=top_k_categorical_accuracy, name=name, dtype=dtype, k=k)
        self.k = k
        self._direction = "up"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "k": self.k}


class SparseTopKCategoricalAccuracy(MeanMetricWrapper):
    """How often the integer label is among the ``k`` highest predictions.

    Args:
        k: How many top predictions count.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        from_sorted_ids: ``y_pred`` holds class ids sorted by score instead of scores.
    """

    def __init__(self, k=5, name="sparse_top_k_categorical_accuracy", dtype=None,
                 from_sorted_ids=False):
        super().__init__(fn=sparse_top_k_categorical_accuracy, name=name, dtype=dtype, k=k,
                         from_sorted_ids=from_sorted_ids)
        self.k = k
        self.from_sorted_ids = from_sorted_ids
        self._direction = "up"

    def get_config(self):
        config = {"name": self.name, "dtype": self.dtype, "k": self.k}
        if self.from_sorted_ids:
            config["from_sorted_ids"] = True
        return config
