"""Confusion-matrix metrics at one or more thresholds: ``TruePositives``, ``FalsePositives``,
``TrueNegatives``, ``FalseNegatives``, ``Precision`` and ``Recall``; and the best rate at a
constraint on another, over evenly spaced thresholds: ``SensitivityAtSpecificity``,
``SpecificityAtSensitivity``, ``PrecisionAtRecall``, ``RecallAtPrecision``.

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


class _SensitivitySpecificityBase(_ThresholdCounts):
    """The best value of one rate among the thresholds where another reaches ``value``.

    The counts are kept at ``num_thresholds`` evenly spaced thresholds from 0 to 1 (only 0.5
    for ``num_thresholds=1``); ``result`` takes, over the thresholds where the constrained rate
    is at least ``value``, the largest value of the rate sought (0 where none qualifies).
    """

    _conditions = ("tp", "fp", "tn", "fn")  # Keras's four variables, in its order
    _constraint = None  # the subclass's argument holding ``value`` ("specificity", ...)

    def __init__(self, value, num_thresholds=200, class_id=None, name=None, dtype=None):
        if value < 0 or value > 1:
            raise ValueError(f"{type(self).__name__}: `{self._constraint}` must be in [0, 1]; "
                             f"got {self._constraint}={value}")
        if num_thresholds <= 0:
            raise ValueError(f"{type(self).__name__}: `num_thresholds` must be an integer > 0; "
                             f"got num_thresholds={num_thresholds}")
        if num_thresholds == 1:
            thresholds = [0.5]
        else:
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            thresholds = [0.0] + inner + [1.0]
        super().__init__(thresholds, 0.5, name, dtype, class_id=class_id)
        # Keras counts two or more thresholds with its bucket formula (scores clipped to
        # [0, 1]); our helper would compare two thresholds directly, which differs for scores
        # outside [0, 1].
        self._evenly = num_thresholds > 1
        self.value = value
        setattr(self, self._constraint, value)  # Keras's attribute: ``m.specificity``, ...
        self.num_thresholds = num_thresholds
        self._direction = "up"

    def _rates(self):
        """``(sensitivity = recall, specificity, precision)`` at every threshold."""
        # The counts below a threshold are totals minus the counts above: rounding can leave
        # -1e-8 where 0 is meant, enough to fail a constraint of exactly 0. Counts of weights
        # are never negative, so clamp.
        tp, fp, tn, fn = (x.clamp_min(0.0) for x in (
            self.true_positives, self.false_positives, self.true_negatives,
            self.false_negatives))
        return (divide_no_nan(tp, tp + fn), divide_no_nan(tn, tn + fp),
                divide_no_nan(tp, tp + fp))

    def _max_under_constraint(self, constrained, dependent):
        """``max(dependent)`` over the thresholds where ``constrained >= value``, else 0."""
        feasible = constrained >= self.value
        return torch.where(feasible, dependent, 0.0).amax().clamp_min(0.0)

    def get_config(self):
        return {"name": self.name, "dtype": self.dtype, "class_id": self.class_id,
                "num_thresholds": self.num_thresholds, self._constraint: self.value}


class SensitivityAtSpecificity(_SensitivitySpecificityBase):
    """The best sensitivity (recall, ``tp / (tp + fn)``) at a specificity
    (``tn / (tn + fp)``) of at least ``specificity``.

    Args:
        specificity: The specificity to reach, in [0, 1].
        num_thresholds: How many evenly spaced thresholds in [0, 1] to try. Defaults to 200.
        class_id: Compute the metric for this class (a column of the last axis) only.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _constraint = "specificity"

    def __init__(self, specificity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(specificity, num_thresholds, class_id, name, dtype)

    def result(self):
        sensitivity, specificity, _ = self._rates()
        return self._max_under_constraint(specificity, sensitivity)


class SpecificityAtSensitivity(_SensitivitySpecificityBase):
    """The best specificity (``tn / (tn + fp)``) at a sensitivity (recall) of at least
    ``sensitivity``.

    Args:
        sensitivity: The sensitivity to reach, in [0, 1].
        num_thresholds: How many evenly spaced thresholds in [0, 1] to try. Defaults to 200.
        class_id: Compute the metric for this class (a column of the last axis) only.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _constraint = "sensitivity"

    def __init__(self, sensitivity, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(sensitivity, num_thresholds, class_id, name, dtype)

    def result(self):
        sensitivity, specificity, _ = self._rates()
        return self._max_under_constraint(sensitivity, specificity)


class PrecisionAtRecall(_SensitivitySpecificityBase):
    """The best precision (``tp / (tp + fp)``) at a recall of at least ``recall``.

    Args:
        recall: The recall to reach, in [0, 1].
        num_thresholds: How many evenly spaced thresholds in [0, 1] to try. Defaults to 200.
        class_id: Compute the metric for this class (a column of the last axis) only.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _constraint = "recall"

    def __init__(self, recall, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(recall, num_thresholds, class_id, name, dtype)

    def result(self):
        recall, _, precision = self._rates()
        return self._max_under_constraint(recall, precision)


class RecallAtPrecision(_SensitivitySpecificityBase):
    """The best recall (``tp / (tp + fn)``) at a precision of at least ``precision``.

    Args:
        precision: The precision to reach, in [0, 1].
        num_thresholds: How many evenly spaced thresholds in [0, 1] to try. Defaults to 200.
        class_id: Compute the metric for this class (a column of the last axis) only.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    _constraint = "precision"

    def __init__(self, precision, num_thresholds=200, class_id=None, name=None, dtype=None):
        super().__init__(precision, num_thresholds, class_id, name, dtype)

    def result(self):
        recall, _, precision = self._rates()
        return self._max_under_constraint(precision, recall)
