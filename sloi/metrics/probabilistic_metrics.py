"""Probabilistic metrics: crossentropies, KL divergence and Poisson, as per-sample functions and
as running means.

The formulas (clipping probabilities to ``[eps, 1 - eps]``, renormalising categorical outputs)
are Keras's. They repeat a few lines of ``sloi.losses`` on purpose: the metric modules keep their
own formulas. Only where Keras exports one function object under both names
(``binary_focal_crossentropy``, ``categorical_focal_crossentropy``, ``huber``) does
``sloi.metrics`` re-export ``sloi.losses``' function.
"""

import torch
import torch.nn.functional as F

from sloi.engine.keras_mask import set_keras_mask
from sloi.metrics.metrics_utils import as_tensor
from sloi.metrics.reduction_metrics import MeanMetricWrapper
from sloi.settings import epsilon as backend_epsilon


def _same_shape(y_true, y_pred, what):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{what}: `y_true` and `y_pred` must have the same shape. "
            f"Received: y_true.shape={tuple(y_true.shape)}, y_pred.shape={tuple(y_pred.shape)}"
        )


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Elementwise binary crossentropy, averaged over ``axis`` (the last by default).

    Args:
        from_logits: ``y_pred`` holds logits rather than probabilities.
        label_smoothing: Pull the 0/1 labels towards 0.5 by this fraction.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if label_smoothing:
        y_true = y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing
    _same_shape(y_true, y_pred, "binary_crossentropy")
    if from_logits:
        values = F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    else:
        y_pred = torch.clamp(y_pred, backend_epsilon(), 1.0 - backend_epsilon())
        values = F.binary_cross_entropy(y_pred, y_true, reduction="none")
    return torch.mean(values, dim=axis)


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """``-sum(y_true * log(p))`` over ``axis``, ``p`` the renormalised, clipped ``y_pred``.

    Args:
        from_logits: ``y_pred`` holds logits rather than probabilities.
        label_smoothing: Mix the one-hot labels with the uniform distribution by this fraction.
        axis: The class axis.
    """
    if isinstance(axis, bool):
        raise ValueError(f"`axis` must be of type `int`. Received: axis={axis} of type bool")
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    if label_smoothing:
        num_classes = y_true.shape[-1]
        y_true = y_true * (1.0 - label_smoothing) + label_smoothing / num_classes
    _same_shape(y_true, y_pred, "categorical_crossentropy")
    if from_logits:
        log_prob = F.log_softmax(y_pred, dim=axis)
    else:
        y_pred = y_pred / torch.sum(y_pred, dim=axis, keepdim=True)
        log_prob = torch.log(torch.clamp(y_pred, backend_epsilon(), 1.0 - backend_epsilon()))
    return -torch.sum(y_true * log_prob, dim=axis)


def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Crossentropy against integer labels; labels may carry a trailing size-1 axis.

    Args:
        from_logits: ``y_pred`` holds logits rather than probabilities.
        ignore_class: A label value whose entries give 0 (and, with sample weights, weigh 0).
        axis: The class axis of ``y_pred``.
    """
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, device=y_pred.device)
    if y_true.dim() == y_pred.dim() and y_true.shape[axis] == 1:
        y_true = y_true.squeeze(axis)
    class_axis = axis % y_pred.dim()
    result_shape = tuple(d for i, d in enumerate(y_pred.shape) if i != class_axis)
    if tuple(y_true.shape) != result_shape:
        raise ValueError(
            "sparse_categorical_crossentropy: `y_true` must have the shape of `y_pred` without "
            f"its class axis. Received: y_true.shape={tuple(y_true.shape)}, "
            f"y_pred.shape={tuple(y_pred.shape)}"
        )
    if ignore_class is not None:
        valid = y_true != ignore_class
        y_true = torch.where(valid, y_true, torch.zeros_like(y_true))
        y_pred = torch.where(valid.unsqueeze(class_axis), y_pred, torch.zeros_like(y_pred))
    target = y_true.long()
    scores = y_pred.unsqueeze(0) if y_pred.dim() == 1 else y_pred.movedim(class_axis, 1)
    target = target.unsqueeze(0) if y_pred.dim() == 1 else target
    if from_logits:
        result = F.cross_entropy(scores, target, reduction="none")
    else:
        probs = scores / torch.sum(scores, dim=1, keepdim=True)
        log_prob = torch.log(torch.clamp(probs, backend_epsilon(), 1.0 - backend_epsilon()))
        result = F.nll_loss(log_prob, target, reduction="none")
    result = result.reshape(result_shape)
    if ignore_class is not None:
        result = torch.where(valid, result, torch.zeros_like(result))
        set_keras_mask(result, valid)  # Mean turns it into weights, as Keras's mask does
    return result


def kl_divergence(y_true, y_pred):
    """``sum(y_true * log(y_true / y_pred))`` over the last axis, both clipped to ``[eps, 1]``."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    y_true = torch.clamp(y_true, backend_epsilon(), 1.0)
    y_pred = torch.clamp(y_pred, backend_epsilon(), 1.0)
    return torch.sum(y_true * torch.log(y_true / y_pred), dim=-1)


def poisson(y_true, y_pred):
    """``mean(y_pred - y_true * log(y_pred + eps))`` over the last axis."""
    y_pred = as_tensor(y_pred)
    y_true = as_tensor(y_true, dtype=y_pred.dtype, device=y_pred.device)
    return torch.mean(y_pred - y_true * torch.log(y_pred + backend_epsilon()), dim=-1)


class KLDivergence(MeanMetricWrapper):
    """Mean Kullback-Leibler divergence between labels and predictions.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="kl_divergence", dtype=None):
        super().__init__(fn=kl_divergence, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class Poisson(MeanMetricWrapper):
    """Mean Poisson deviance term ``y_pred - y_true * log(y_pred)``.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, name="poisson", dtype=None):
        super().__init__(fn=poisson, name=name, dtype=dtype)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype}


class BinaryCrossentropy(MeanMetricWrapper):
    """Mean binary crossentropy.

    ``y_true`` and ``y_pred`` must have the same shape. With 1-D inputs the per-batch value is
    already a mean over the batch and counts once, as in Keras.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        from_logits: ``y_pred`` holds logits.
        label_smoothing: Pull the labels towards 0.5 by this fraction.
    """

    def __init__(self, name="binary_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0):
        super().__init__(binary_crossentropy, name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing}


class CategoricalCrossentropy(MeanMetricWrapper):
    """Mean crossentropy against one-hot labels.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        from_logits: ``y_pred`` holds logits.
        label_smoothing: Mix the labels with the uniform distribution by this fraction.
        axis: The class axis.
    """

    def __init__(self, name="categorical_crossentropy", dtype=None, from_logits=False,
                 label_smoothing=0, axis=-1):
        super().__init__(categorical_crossentropy, name, dtype=dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)
        self.from_logits = from_logits
        self.label_smoothing = label_smoothing
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "label_smoothing": self.label_smoothing, "axis": self.axis}


class SparseCategoricalCrossentropy(MeanMetricWrapper):
    """Mean crossentropy against integer labels.

    Args:
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        from_logits: ``y_pred`` holds logits.
        ignore_class: A label value to leave out (its entries give 0).
        axis: The class axis.
    """

    def __init__(self, name="sparse_categorical_crossentropy", dtype=None, from_logits=False,
                 ignore_class=None, axis=-1):
        super().__init__(sparse_categorical_crossentropy, name=name, dtype=dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)
        self.from_logits = from_logits
        self.ignore_class = ignore_class
        self.axis = axis
        self._direction = "down"

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "from_logits": self.from_logits,
                "ignore_class": self.ignore_class, "axis": self.axis}
