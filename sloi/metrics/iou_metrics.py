"""Intersection-over-union metrics for segmentation and classification: ``IoU``, ``MeanIoU``,
``BinaryIoU``, ``OneHotIoU`` and ``OneHotMeanIoU``.

All keep one ``(num_classes, num_classes)`` confusion matrix (rows: true class, columns:
predicted class), filled by one ``scatter_add`` per batch. A class's IoU is
``tp / (tp + fp + fn)``; the result averages it over the chosen classes that occur at all.
"""

import warnings

import torch

from sloi.metrics.base_metric import Metric
from sloi.settings import epsilon as backend_epsilon


class _IoUBase(Metric):
    """The confusion matrix and its update; subclasses choose what ``result`` reads from it.

    The state's dtype is the metric's (``"int32"`` by default, as in Keras), so float weights
    are truncated unless a float ``dtype`` is given.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(name=name, dtype=dtype or "int32")
        self._direction = "up"
        self.num_classes = num_classes
        self.ignore_class = ignore_class
        self.sparse_y_true = sparse_y_true
        self.sparse_y_pred = sparse_y_pred
        self.axis = axis
        self.total_cm = self.add_variable((num_classes, num_classes),
                                          name="total_confusion_matrix")

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch to the confusion matrix.

        Args:
            y_true: Class indices (or one-hot rows along ``axis`` without ``sparse_y_true``),
                any shape; flattened.
            y_pred: Class indices (or scores along ``axis`` without ``sparse_y_pred``: their
                argmax is the prediction), flattened.
            sample_weight: Optional weights, broadcastable to the flattened labels.
        """
        if (sample_weight is not None and not self._dtype.is_floating_point
                and getattr(sample_weight, "dtype", None) is not None
                and "float" in str(sample_weight.dtype)):
            warnings.warn("You are passing weight as `float`, but dtype is `int`. This may "
                          "result in an incorrect weight due to type casting. Consider using "
                          "integer weights.", stacklevel=3)  # past no_grad: the caller
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        if not self.sparse_y_true:  # bool one-hot labels as 0/1, as Keras's argmax takes them
            y_true = (y_true.to(torch.uint8) if y_true.dtype == torch.bool
                      else y_true).argmax(dim=self.axis)
        if not self.sparse_y_pred:
            y_pred = y_pred.argmax(dim=self.axis)
        # The metric's dtype first, as Keras casts (truncating float classes), then flat.
        y_true = y_true.to(self._dtype).reshape(-1)
        y_pred = y_pred.to(self._dtype).reshape(-1)
        if sample_weight is None:
            weight = torch.ones_like(y_true)
        else:
            weight = sample_weight.to(self._dtype).reshape(-1).expand(y_true.shape)
        # Classes out of range (and the ignored class) add nothing, whatever their weight.
        valid = (y_true >= 0) & (y_true < self.num_classes)
        valid &= (y_pred >= 0) & (y_pred < self.num_classes)
        if self.ignore_class is not None:
            valid &= y_true != self.ignore_class
        weight = torch.where(valid, weight, torch.zeros_like(weight))
        cell = torch.where(valid, y_true.long() * self.num_classes + y_pred.long(), 0)
        counts = torch.zeros(self.num_classes * self.num_classes, dtype=self._dtype,
                             device=weight.device)
        counts.scatter_add_(0, cell, weight)
        self.total_cm += counts.view(self.num_classes, self.num_classes)

    def reset_state(self):
        self.total_cm.zero_()


class IoU(_IoUBase):
    """The mean IoU of the classes ``target_class_ids``: ``tp / (tp + fp + fn)`` per class,
    averaged over those classes that appear in the labels or predictions seen.

    Args:
        num_classes: Number of classes; the state is a ``(num_classes, num_classes)`` matrix.
        target_class_ids: The classes whose IoU is averaged (a tuple or list of ints).
        name: Name of the metric instance.
        dtype: Dtype of the confusion matrix; ``"int32"`` by default (float weights are then
            truncated: pass a float dtype for fractional weights). The result is float32.
        ignore_class: A label value (padding, "void") whose entries are not counted.
        sparse_y_true: ``y_true`` holds class indices; otherwise one-hot rows along ``axis``.
        sparse_y_pred: ``y_pred`` holds class indices; otherwise scores along ``axis``.
        axis: The class axis of non-sparse inputs. Defaults to -1.

    Example:
        >>> m = IoU(num_classes=2, target_class_ids=[0])
        >>> m.update_state([0, 0, 1, 1], [0, 1, 0, 1])
        >>> m.result()  # class 0: tp 1, fp 1, fn 1
        tensor(0.3333)
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=sparse_y_true, sparse_y_pred=sparse_y_pred, axis=axis)
        if max(target_class_ids) >= num_classes:
            raise ValueError(f"{type(self).__name__}: target class id {max(target_class_ids)} "
                             f"is out of range, which is [0, {num_classes}).")
        self.target_class_ids = list(target_class_ids)
        self._target_index = torch.tensor(self.target_class_ids, dtype=torch.long)

    def result(self):
        cm = self.total_cm.float()
        true_positives = cm.diagonal()
        # predicted + true counts = 2 * tp + fp + fn
        denominator = cm.sum(dim=0) + cm.sum(dim=1) - true_positives
        true_positives = true_positives[self._target_index]
        denominator = denominator[self._target_index]
        # A class that never occurs counts neither as 0 nor as 1: it is left out.
        valid = denominator > 1e-9
        iou = torch.where(valid, true_positives / (denominator + backend_epsilon()), 0.0)
        return iou.sum(dim=self.axis) / (valid.float().sum() + backend_epsilon())

    def get_config(self):
        return {**super().get_config(), "num_classes": self.num_classes,
                "target_class_ids": self.target_class_ids, "ignore_class": self.ignore_class,
                "sparse_y_true": self.sparse_y_true, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}


class BinaryIoU(IoU):
    """IoU of a binary classifier: a prediction ``>= threshold`` is class 1, else class 0.

    Args:
        target_class_ids: Which of the two classes to average: ``(0, 1)`` (default), ``[0]``
            or ``[1]``.
        threshold: The decision threshold on ``y_pred``. Defaults to 0.5.
        name: Name of the metric instance.
        dtype: Dtype of the confusion matrix (``"int32"`` by default).
    """

    def __init__(self, target_class_ids=(0, 1), threshold=0.5, name=None, dtype=None):
        super().__init__(num_classes=2, target_class_ids=target_class_ids, name=name,
                         dtype=dtype)
        self.threshold = threshold

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch: ``y_true`` 0/1 labels, ``y_pred`` scores of the same shape."""
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        y_pred = (y_pred.float() >= self.threshold).to(self._dtype)
        super().update_state(y_true.to(self._dtype), y_pred, sample_weight)

    def get_config(self):
        return {"target_class_ids": self.target_class_ids, "threshold": self.threshold,
                "name": self.name, "dtype": self.dtype}


class MeanIoU(IoU):
    """The IoU averaged over every class (that occurs).

    Args:
        num_classes: Number of classes.
        name: Name of the metric instance.
        dtype: Dtype of the confusion matrix (``"int32"`` by default).
        ignore_class: A label value whose entries are not counted.
        sparse_y_true: ``y_true`` holds class indices; otherwise one-hot rows along ``axis``.
        sparse_y_pred: ``y_pred`` holds class indices; otherwise scores along ``axis``.
        axis: The class axis of non-sparse inputs. Defaults to -1.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_true=True, sparse_y_pred=True, axis=-1):
        super().__init__(num_classes, list(range(num_classes)), name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=sparse_y_true,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_true": self.sparse_y_true,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotIoU(IoU):
    """``IoU`` for one-hot labels (and, by default, class scores): both go through an argmax
    along ``axis``.

    Args:
        num_classes: Number of classes.
        target_class_ids: The classes whose IoU is averaged.
        name: Name of the metric instance.
        dtype: Dtype of the confusion matrix (``"int32"`` by default).
        ignore_class: A class index whose entries are not counted.
        sparse_y_pred: ``y_pred`` holds class indices rather than scores. Defaults to False.
        axis: The class axis. Defaults to -1.
    """

    def __init__(self, num_classes, target_class_ids, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, target_class_ids, name=name, dtype=dtype,
                         ignore_class=ignore_class, sparse_y_true=False,
                         sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "target_class_ids": self.target_class_ids,
                "name": self.name, "dtype": self.dtype, "ignore_class": self.ignore_class,
                "sparse_y_pred": self.sparse_y_pred, "axis": self.axis}


class OneHotMeanIoU(MeanIoU):
    """``MeanIoU`` for one-hot labels (and, by default, class scores).

    Args:
        num_classes: Number of classes.
        name: Name of the metric instance.
        dtype: Dtype of the confusion matrix (``"int32"`` by default).
        ignore_class: A class index whose entries are not counted.
        sparse_y_pred: ``y_pred`` holds class indices rather than scores. Defaults to False.
        axis: The class axis. Defaults to -1.
    """

    def __init__(self, num_classes, name=None, dtype=None, ignore_class=None,
                 sparse_y_pred=False, axis=-1):
        super().__init__(num_classes, name=name, dtype=dtype, ignore_class=ignore_class,
                         sparse_y_true=False, sparse_y_pred=sparse_y_pred, axis=axis)

    def get_config(self):
        return {"num_classes": self.num_classes, "name": self.name, "dtype": self.dtype,
                "ignore_class": self.ignore_class, "sparse_y_pred": self.sparse_y_pred,
                "axis": self.axis}
