"""``AUC``: the area under the ROC or precision-recall curve, approximated as Keras does from
confusion counts at a fixed set of thresholds.

By default the thresholds are ``i / (num_thresholds - 1)`` for ``i = 1 .. num_thresholds - 2``,
plus ``-eps`` and ``1 + eps`` at the ends so that predictions of exactly 0 or 1 are counted. The
area is a Riemann sum between consecutive thresholds ("interpolation": trapezoids; "minoring",
"majoring": lower and upper rectangles); the PR curve with interpolation uses the Davis &
Goadrich interpolation of precision between points, as Keras does.
"""

import numpy as np
import torch

from sloi.metrics.base_metric import Metric
from sloi.metrics.confusion_utils import (
    COUNT_ORDER,
    confusion_counts,
    is_evenly_distributed,
)
from sloi.metrics.metrics_utils import divide_no_nan
from sloi.settings import epsilon as backend_epsilon

# The spellings Keras accepts, and the canonical one each stands for.
_CURVES = {"ROC": "ROC", "roc": "ROC", "PR": "PR", "pr": "PR", "PRGAIN": "PRGAIN",
           "prgain": "PRGAIN"}
_SUMMATIONS = {"interpolation": "interpolation", "Interpolation": "interpolation",
               "majoring": "majoring", "Majoring": "majoring", "minoring": "minoring",
               "Minoring": "minoring"}


def _curve_name(curve):
    curve = getattr(curve, "value", curve)  # accept Keras's AUCCurve enum too
    if curve not in _CURVES:
        raise ValueError(
            f'Invalid AUC curve value: "{curve}". Expected values are ["PR", "ROC", "PRGAIN"]'
        )
    return _CURVES[curve]


def _summation_name(method):
    method = getattr(method, "value", method)
    if method not in _SUMMATIONS:
        raise ValueError(
            f'Invalid AUC summation method value: "{method}". '
            'Expected values are ["interpolation", "majoring", "minoring"]'
        )
    return _SUMMATIONS[method]


class AUC(Metric):
    """Approximate area under the ROC or PR curve of a binary (or multi-label) classifier.

    Args:
        num_thresholds: Number of thresholds, > 1 (ignored when ``thresholds`` is given).
        curve: ``"ROC"``, ``"PR"`` or ``"PRGAIN"``.
        summation_method: ``"interpolation"``, ``"minoring"`` or ``"majoring"``.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
        thresholds: Explicit thresholds in [0, 1]; ``-eps`` and ``1 + eps`` are added.
        multi_label: Treat the last axis of a rank-2 ``y_pred`` as independent labels: one curve
            per label, then their (weighted) mean. Otherwise every entry is pooled.
        num_labels: Number of labels with ``multi_label``, to create the state at once
            (otherwise at the first update).
        label_weights: Per-label weights: for the pooled counts, or for the mean of the
            per-label areas with ``multi_label``.
        from_logits: ``y_pred`` holds logits; a sigmoid is applied first.

    Example:
        >>> m = AUC(num_thresholds=3)
        >>> m.update_state([0, 0, 1, 1], [0, 0.5, 0.3, 0.9])
        >>> m.result()
        tensor(0.7500)
    """

    def __init__(self, num_thresholds=200, curve="ROC", summation_method="interpolation",
                 name=None, dtype=None, thresholds=None, multi_label=False, num_labels=None,
                 label_weights=None, from_logits=False):
        self._direction = "up"
        self._init_from_thresholds = thresholds is not None
        if thresholds is not None:
            self.num_thresholds = len(thresholds) + 2
            inner = sorted(float(t) for t in thresholds)
            self._evenly = is_evenly_distributed(np.array([0.0] + inner + [1.0]))
        else:
            if num_thresholds <= 1:
                raise ValueError(
                    "Argument `num_thresholds` must be an integer > 1. "
                    f"Received: num_thresholds={num_thresholds}"
                )
            self.num_thresholds = num_thresholds
            inner = [(i + 1) * 1.0 / (num_thresholds - 1) for i in range(num_thresholds - 2)]
            self._evenly = True
        # End points just outside [0, 1] make 0 and 1 predictions count, despite rounding.
        self._threshold_values = [0.0 - backend_epsilon()] + inner + [1.0 + backend_epsilon()]
        self.curve = _curve_name(curve)
        self.summation_method = _summation_name(summation_method)
        super().__init__(name=name, dtype=dtype)
        self._thresholds_tensor = torch.tensor(self._threshold_values, dtype=self._dtype)
        self.multi_label = multi_label
        self.num_labels = num_labels
        self.label_weights = (None if label_weights is None
                              else torch.as_tensor(label_weights, dtype=self._dtype))
        self._from_logits = from_logits
        self._built = False
        if multi_label:
            if num_labels:
                self._build((None, num_labels))
        elif num_labels:
            raise ValueError("`num_labels` is needed only when `multi_label` is True.")
        else:
            self._build(None)

    @property
    def thresholds(self) -> list:
        """Every threshold used, end points included."""
        return list(self._threshold_values)

    def _build(self, shape):
        if self.multi_label:
            if len(shape) != 2:
                raise ValueError(
                    "`y_pred` must have rank 2 when `multi_label=True`. "
                    f"Found rank {len(shape)}. Full shape received for `y_pred`: {tuple(shape)}"
                )
            self._num_labels = shape[1]
            state_shape = (self.num_thresholds, self._num_labels)
        else:
            state_shape = (self.num_thresholds,)
        # The four counts in one tensor (last axis in COUNT_ORDER): one add per batch.
        self._counts = self.add_variable(state_shape + (len(COUNT_ORDER),), name="counts")
        self._built = True

    true_positives = property(lambda self: self._counts[..., 0])
    false_positives = property(lambda self: self._counts[..., 1])
    false_negatives = property(lambda self: self._counts[..., 2])
    true_negatives = property(lambda self: self._counts[..., 3])

    @property
    def variables(self):
        """Keras's four variables, in Keras's order (views of one tensor)."""
        if not self._built:
            return []
        return [self.true_positives, self.false_positives, self.true_negatives,
                self.false_negatives]

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's counts at every threshold.

        Args:
            y_true: 0/1 labels (any non-zero value is positive), the shape of ``y_pred``.
            y_pred: Probabilities (or logits with ``from_logits``).
            sample_weight: Optional weights broadcastable to ``y_pred``.
        """
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        if not self._built:
            self._build(tuple(y_pred.shape))
        if self._from_logits:
            y_pred = torch.sigmoid(y_pred)
        self._counts.add_(confusion_counts(
            y_true, y_pred, self._thresholds_tensor, evenly=self._evenly, with_epsilon=True,
            sample_weight=sample_weight, multi_label=self.multi_label,
            label_weights=None if self.multi_label else self.label_weights, dtype=self._dtype,
        ))

    def _average_labels(self, by_threshold):
        """Sum the per-threshold terms; with ``multi_label``, average the per-label areas."""
        if not self.multi_label:
            return torch.sum(by_threshold)
        by_label = torch.sum(by_threshold, dim=0)
        if self.label_weights is None:
            return torch.mean(by_label)
        return divide_no_nan(torch.sum(by_label * self.label_weights),
                             torch.sum(self.label_weights))

    def interpolate_pr_auc(self):
        """PR-AUC with precision interpolated between thresholds (Davis & Goadrich, 2006):
        within a segment precision is ``(tp) / (tp + fp)`` with tp linear in ``p = tp + fp``,
        which integrates in closed form."""
        tp, fp, fn = self.true_positives, self.false_positives, self.false_negatives
        dtp = tp[:-1] - tp[1:]
        p = tp + fp
        dp = p[:-1] - p[1:]
        prec_slope = divide_no_nan(dtp, torch.clamp(dp, min=0))
        intercept = tp[1:] - prec_slope * p[1:]
        safe_p_ratio = torch.where(
            (p[:-1] > 0) & (p[1:] > 0),
            divide_no_nan(p[:-1], torch.clamp(p[1:], min=0)),
            torch.ones_like(p[1:]),
        )
        increment = divide_no_nan(
            prec_slope * (dtp + intercept * torch.log(safe_p_ratio)),
            torch.clamp(tp[1:] + fn[1:], min=0),
        )
        return self._average_labels(increment)

    def _curve_points(self):
        """``(x, y)`` of the curve at every threshold."""
        tp, fp, tn, fn = (self.true_positives, self.false_positives, self.true_negatives,
                          self.false_negatives)
        recall = divide_no_nan(tp, tp + fn)
        if self.curve == "ROC":
            return divide_no_nan(fp, fp + tn), recall
        if self.curve == "PR":
            return recall, divide_no_nan(tp, tp + fp)
        # PRGAIN: gains relative to the always-positive classifier, scaled by P / N.
        scale = divide_no_nan(tp + fn, tn + fp)
        recall_gain = 1.0 - scale * divide_no_nan(fn, tp)
        precision_gain = 1.0 - scale * divide_no_nan(fp, tp)
        no_tp = tp == 0
        recall_gain = torch.where(no_tp, torch.zeros_like(recall_gain), recall_gain)
        precision_gain = torch.where(no_tp, torch.ones_like(precision_gain), precision_gain)
        return torch.clamp(recall_gain, min=0.0), precision_gain

    def result(self):
        if not self._built:  # multi-label AUC before its first update
            return torch.zeros((), dtype=self._dtype, device=self._device)
        if self.curve == "PR" and self.summation_method == "interpolation":
            return self.interpolate_pr_auc()
        x, y = self._curve_points()
        if self.summation_method == "interpolation":
            heights = (y[:-1] + y[1:]) / 2.0
        elif self.summation_method == "minoring":
            heights = torch.minimum(y[:-1], y[1:])
        else:
            heights = torch.maximum(y[:-1], y[1:])
        return self._average_labels((x[:-1] - x[1:]) * heights)

    def get_config(self):
        config = {
            **super().get_config(),
            "num_thresholds": self.num_thresholds,
            "curve": self.curve,
            "summation_method": self.summation_method,
            "multi_label": self.multi_label,
            "num_labels": self.num_labels,
            "label_weights": (None if self.label_weights is None
                              else self.label_weights.tolist()),
            "from_logits": self._from_logits,
        }
        if self._init_from_thresholds:
            config["thresholds"] = self.thresholds[1:-1]
        return config
