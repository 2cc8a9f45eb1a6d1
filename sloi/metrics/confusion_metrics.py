"""Confusion-matrix metrics at one or more thresholds: ``TruePositives``, ``FalsePositives``,
``TrueNegatives``, ``FalseNegatives``, ``Precision`` and ``Recall``.

A prediction counts as positive when ``y_pred > threshold``; any non-zero label is a positive.
With several thresholds the result is a vector, one value per threshold, in the order given.
"""

import torch

from sloi.metrics.base_metric import Metric
from sloi.metrics.confusion_utils import (
    COUNT_ORDER,
    NEG_INF,
    confusion_counts,
    is_evenly_distributed,
    parse_thresholds,
)
from sloi.metrics.metrics_utils import divide_no_nan


class _ThresholdCounts(Metric):
    """Shared machinery: the thresholds (kept sorted on the device for bucketing, with the
    permutation back to the user's order) and the counts.

    All four counts live in one ``(thresholds, 4)`` tensor, updated by one in-place add per
    batch; ``true_positives`` and the others are views of its columns, and ``variables`` lists
    the ones the metric reports (Keras's variables).
    """

    _conditions = ()  # which counts the metric reports, among COUNT_ORDER

    def __init__(self, thresholds, default_threshold, name, dtype, top_k=None, class_id=None):
        super().__init__(name=name, dtype=dtype)
        self.init_thresholds = thresholds
        self.thresholds = parse_thresholds(thresholds, default_threshold)
        self.top_k = top_k
        self.class_id = class_id
        self._evenly = is_evenly_distributed(self.thresholds)
        self._with_epsilon = self.thresholds[0] < 0 or self.thresholds[-1] > 1
        order = sorted(range(len(self.thresholds)), key=self.thresholds.__getitem__)
        self._sorted_thresholds = torch.tensor([self.thresholds[i] for i in order],
                                               dtype=self._dtype)
        in_order = order == list(range(len(order)))
        # Counts come out in sorted order; this index puts them back in the user's.
        self._restore_order = None if in_order else torch.tensor(
            sorted(range(len(order)), key=order.__getitem__))
        self._counts = self.add_variable(shape=(len(self.thresholds), len(COUNT_ORDER)),
                                         name="counts")

    true_positives = property(lambda self: self._counts[:, 0])
    false_positives = property(lambda self: self._counts[:, 1])
    false_negatives = property(lambda self: self._counts[:, 2])
    true_negatives = property(lambda self: self._counts[:, 3])

    @property
    def variables(self):
        return [self._counts[:, COUNT_ORDER.index(c)] for c in self._conditions]

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's counts.

        Args:
            y_true: Labels, the shape of ``y_pred`` (a trailing size-1 axis may differ).
            y_pred: Scores, usually probabilities in [0, 1].
            sample_weight: Optional weights broadcastable to ``y_pred``.
        """
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        counts = confusion_counts(
            y_true, y_pred, self._sorted_thresholds, evenly=self._evenly,
            with_epsilon=self._with_epsilon, top_k=self.top_k, class_id=self.class_id,
            sample_weight=sample_weight, dtype=self._dtype,
        )
        if self._restore_order is not None:
            counts = counts[self._restore_order]
        self._counts.add_(counts)

    def _per_threshold(self, value):
        """A scalar for a single threshold, else the vector."""
        return value[0] if len(self.thresholds) == 1 else value


class _ConditionCount(_ThresholdCounts):
    def __init__(self, thresholds=None, name=None, dtype=None):
        super().__init__(thresholds, 0.5, name, dtype)

    @property
    def accumulator(self):
        """The counted condition's vector (Keras's name for it)."""
        return self._counts[:, COUNT_ORDER.index(self._conditions[0])]

    def result(self):
        return self._per_threshold(self.accumulator).clone()

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds}


class TruePositives(_ConditionCount):
    """The (weighted) number of true positives: label positive and ``y_pred > threshold``.

    Args:
        thresholds: A float or list of floats in [0, 1]; 0.5 by default.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _conditions = ("tp",)


class FalsePositives(_ConditionCount):
    """The (weighted) number of false positives: label negative, ``y_pred > threshold``.

    Args:
        thresholds: A float or list of floats in [0, 1]; 0.5 by default.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _conditions = ("fp",)


class TrueNegatives(_ConditionCount):
    """The (weighted) number of true negatives: label negative, ``y_pred <= threshold``.

    Args:
        thresholds: A float or list of floats in [0, 1]; 0.5 by default.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _conditions = ("tn",)


class FalseNegatives(_ConditionCount):
    """The (weighted) number of false negatives: label positive, ``y_pred <= threshold``.

    Args:
        thresholds: A float or list of floats in [0, 1]; 0.5 by default.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _conditions = ("fn",)


class _PrecisionRecall(_ThresholdCounts):
    def __init__(self, thresholds=None, top_k=None, class_id=None, name=None, dtype=None):
        # With top_k, the filtered-out predictions sit at NEG_INF, so the default threshold
        # sits just there too: every prediction kept by top_k counts as positive.
        default = 0.5 if top_k is None else NEG_INF
        super().__init__(thresholds, default, name, dtype, top_k=top_k, class_id=class_id)
        self._direction = "up"

    def get_config(self):
        return {**super().get_config(), "thresholds": self.init_thresholds, "top_k": self.top_k,
                "class_id": self.class_id}


class Precision(_PrecisionRecall):
    """``tp / (tp + fp)``: the share of positive predictions that are right.

    Args:
        thresholds: A float or list of floats in [0, 1]; 0.5 by default (or, with ``top_k``,
            every prediction in the top k counts as positive).
        top_k: Only the k highest scores of each sample may be positive.
        class_id: Compute the metric for this class (a column of the last axis) only.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _conditions = ("tp", "fp")

    def result(self):
        value = divide_no_nan(self.true_positives, self.true_positives + self.false_positives)
        return self._per_threshold(value)


class Recall(_PrecisionRecall):
    """``tp / (tp + fn)``: the share of positive labels that are found.

    Args:
        thresholds: A float or list of floats in [0, 1]; 0.5 by default (or, with ``top_k``,
            every prediction in the top k counts as positive).
        top_k: Only the k highest scores of each sample may be positive.
        class_id: Compute the metric for this class (a column of the last axis) only.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _conditions = ("tp", "fn")

    def result(self):
        value = divide_no_nan(self.true_positives, self.true_positives + self.false_negatives)
        return self._per_threshold(value)
