"""``FBetaScore`` and ``F1Score``: the weighted harmonic mean of precision and recall, per class
or averaged, for multi-class and multi-label classifiers with ``(batch, classes)`` outputs."""

import torch

from sloi.metrics.base_metric import Metric
from sloi.settings import epsilon as backend_epsilon

_AVERAGES = (None, "micro", "macro", "weighted")


class FBetaScore(Metric):
    """``(1 + beta^2) * precision * recall / (beta^2 * precision + recall)``.

    Args:
        average: ``None`` (one score per class), ``"micro"`` (counts pooled over the classes),
            ``"macro"`` (the mean of the per-class scores) or ``"weighted"`` (their mean
            weighted by each class's number of true labels).
        beta: A Python float > 0: recall weighs ``beta`` times as much as precision.
        threshold: A Python float in (0, 1]: a prediction above it is positive. ``None``:
            each row's largest prediction is its positive (top-1, for multi-class).
        name: Name of the metric instance.
        dtype: Dtype of the state and result.

    Input shape:
        ``y_true`` and ``y_pred`` ``(batch, classes)``; labels 0/1 (one-hot or multi-hot).

    Output shape:
        ``(classes,)`` with ``average=None``, else a scalar.

    Example:
        >>> m = FBetaScore(beta=2.0, threshold=0.5)
        >>> m.update_state(labels, probabilities)
        >>> m.result()  # one score per class
    """

    def __init__(self, average=None, beta=1.0, threshold=None, name="fbeta_score",
                 dtype=None):
        super().__init__(name=name, dtype=dtype)
        self._direction = "up"
        if average not in _AVERAGES:
            raise ValueError(
                f"{type(self).__name__}: invalid `average` {average!r}; expected one of "
                "None, 'micro', 'macro', 'weighted'."
            )
        if not isinstance(beta, float):
            raise ValueError(f"{type(self).__name__}: `beta` must be a Python float; got "
                             f"beta={beta!r} of type {type(beta).__name__}.")
        if beta <= 0.0:
            raise ValueError(f"{type(self).__name__}: `beta` must be > 0; got beta={beta}.")
        if threshold is not None:
            if not isinstance(threshold, float):
                raise ValueError(f"{type(self).__name__}: `threshold` must be a Python float; "
                                 f"got threshold={threshold!r} of type "
                                 f"{type(threshold).__name__}.")
            if threshold > 1.0 or threshold <= 0.0:
                raise ValueError(f"{type(self).__name__}: `threshold` must verify "
                                 f"0 < threshold <= 1; got threshold={threshold}.")
        self.average = average
        self.beta = beta
        self.threshold = threshold
        # "micro" pools every entry; the others keep one count per class.
        self.axis = None if average == "micro" else 0
        self._built = False

    def _build(self, true_shape, pred_shape):
        if len(pred_shape) != 2 or len(true_shape) != 2:
            raise ValueError(
                f"{type(self).__name__} expects 2D inputs with shape (batch_size, output_dim). "
                f"Received input shapes: y_pred.shape={tuple(pred_shape)} and "
                f"y_true.shape={tuple(true_shape)}."
            )
        shape = () if self.average == "micro" else (pred_shape[-1],)
        self.true_positives = self.add_variable(shape, name="true_positives")
        self.false_positives = self.add_variable(shape, name="false_positives")
        self.false_negatives = self.add_variable(shape, name="false_negatives")
        self.intermediate_weights = self.add_variable(shape, name="intermediate_weights")
        self._built = True

    def _sum(self, values, sample_weight):
        if sample_weight is not None:
            values = values * sample_weight.unsqueeze(1)
        return values.sum() if self.axis is None else values.sum(dim=self.axis)

    @torch.no_grad()
    def update_state(self, y_true, y_pred, sample_weight=None):
        """Add one batch's counts.

        Args:
            y_true: 0/1 labels, ``(batch, classes)``.
            y_pred: Scores, ``(batch, classes)``.
            sample_weight: Optional ``(batch,)`` weights.
        """
        y_true, y_pred, sample_weight = self._inputs(y_true, y_pred, sample_weight)
        y_true, y_pred = y_true.to(self._dtype), y_pred.to(self._dtype)
        if not self._built:
            self._build(tuple(y_true.shape), tuple(y_pred.shape))
        if self.threshold is None:
            # The row's maximum is positive, unless it is 0 (an all-zero row stays negative).
            row_max = y_pred.amax(dim=-1, keepdim=True)
            predicted = (y_pred >= row_max) & (y_pred.abs() > 1e-9)
        else:
            predicted = y_pred > self.threshold
        predicted = predicted.to(self._dtype)
        if sample_weight is not None:
            sample_weight = sample_weight.to(self._dtype)
        self.true_positives += self._sum(predicted * y_true, sample_weight)
        self.false_positives += self._sum(predicted * (1.0 - y_true), sample_weight)
        self.false_negatives += self._sum((1.0 - predicted) * y_true, sample_weight)
        self.intermediate_weights += self._sum(y_true, sample_weight)

    def result(self):
        if not self._built:  # Keras has no result before the first update; 0 is harmless
            return torch.zeros((), dtype=self._dtype, device=self._device)
        tp = self.true_positives
        precision = tp / (tp + self.false_positives + backend_epsilon())
        recall = tp / (tp + self.false_negatives + backend_epsilon())
        beta_sq = self.beta ** 2
        eps = backend_epsilon()
        score = precision * recall / (beta_sq * precision + recall + eps) * (1.0 + beta_sq)
        if self.average == "weighted":
            weights = self.intermediate_weights / (self.intermediate_weights.sum() + eps)
            return (score * weights).sum()
        if self.average is not None:
            return score.mean()
        return score

    def get_config(self):
        return {**super().get_config(), "average": self.average, "beta": self.beta,
                "threshold": self.threshold}


class F1Score(FBetaScore):
    """The F1 score, ``2 * precision * recall / (precision + recall)``: ``FBetaScore`` with
    ``beta=1.0``.

    Args:
        average: ``None``, ``"micro"``, ``"macro"`` or ``"weighted"`` (see ``FBetaScore``).
        threshold: A Python float in (0, 1], or ``None`` for each row's top prediction.
        name: Name of the metric instance.
        dtype: Dtype of the state and result.
    """

    def __init__(self, average=None, threshold=None, name="f1_score", dtype=None):
        super().__init__(average=average, beta=1.0, threshold=threshold, name=name, dtype=dtype)

    def get_config(self):
        config = super().get_config()
        del config["beta"]
        return config
