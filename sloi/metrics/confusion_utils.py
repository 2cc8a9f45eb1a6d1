"""Counting true/false positives/negatives at many thresholds at once, without a host sync.

Keras compares every prediction with every threshold, a ``(thresholds, predictions)`` table, or,
for evenly spaced thresholds, drops each prediction into a bucket and sums the buckets from the
top. We compare directly only for a few thresholds (Precision's single 0.5, say). Otherwise we
use buckets: each prediction's bucket is the number of thresholds strictly below it (Keras's
``ceil(p * (T - 1))`` formula for evenly spaced thresholds, so that predictions on a boundary land
exactly where Keras puts them; ``torch.bucketize`` otherwise). One ``scatter_add`` fills the
buckets and a reversed cumulative sum gives, for every threshold, the weight of the predictions
above it: O(predictions + thresholds) for any number of thresholds.

The four counts come back as one tensor, so that a metric updates its state with one in-place
add (each kernel launch costs about as much as the arithmetic on a training-size batch).
"""

import numpy as np
import torch

from sloi.metrics.metrics_utils import squeeze_or_expand_to_same_rank
from sloi.settings import epsilon as backend_epsilon

NEG_INF = -1e10  # what Keras gives the predictions outside the top k
COUNT_ORDER = ("tp", "fp", "fn", "tn")  # the last axis of what `confusion_counts` returns
_MAX_DIRECT = 8  # up to this many (unevenly spaced) thresholds, compare instead of bucketing


def parse_thresholds(thresholds, default):
    """``thresholds`` as a list of floats (``default`` when None), each checked to lie in
    ``[0, 1]``."""
    if thresholds is None:
        return [default]
    values = list(thresholds) if isinstance(thresholds, (list, tuple, np.ndarray)) else [
        thresholds]
    invalid = [t for t in values if t is None or t < 0 or t > 1]
    if invalid:
        raise ValueError(f"Threshold values must be in [0, 1]. Received: {invalid}")
    return values


def is_evenly_distributed(thresholds) -> bool:
    """True for at least 3 thresholds equal (to float precision) to ``i / (n - 1)``."""
    n = len(thresholds)
    if n < 3:
        return False
    even = np.arange(n, dtype=np.float32) / (n - 1)
    return bool(np.allclose(thresholds, even, atol=backend_epsilon()))


def filter_top_k(x, k):
    """Keep the ``k`` largest entries of the last axis; the others become ``NEG_INF``."""
    top = torch.topk(x, k, dim=-1).indices
    keep = torch.zeros_like(x, dtype=torch.bool).scatter_(-1, top, True)
    return torch.where(keep, x, torch.full_like(x, NEG_INF))


def _prepare(y_true, y_pred, sample_weight, top_k, class_id, dtype):
    """Keras's shape handling: ranks reconciled, weights brought to the predictions' shape,
    top-k filtering, then the ``class_id`` column."""
    y_pred = y_pred.to(dtype)
    y_pred, y_true = squeeze_or_expand_to_same_rank(y_pred, y_true)
    if sample_weight is not None:
        sample_weight = sample_weight.to(dtype).unsqueeze(-1)
        _, sample_weight = squeeze_or_expand_to_same_rank(y_true, sample_weight,
                                                          expand_rank_1=False)
    if top_k is not None:
        y_pred = filter_top_k(y_pred, top_k)
    if class_id is not None:
        if y_pred.dim() == 1:
            raise ValueError(
                "When class_id is provided, y_pred must be a 2D array with shape "
                f"(num_samples, num_classes), found shape: {tuple(y_pred.shape)}"
            )
        y_true = y_true[..., class_id:class_id + 1]
        y_pred = y_pred[..., class_id:class_id + 1]
    if sample_weight is not None:
        sample_weight = sample_weight.expand(y_pred.shape)
    return y_true, y_pred, sample_weight


def confusion_counts(y_true, y_pred, thresholds, *, evenly=False, with_epsilon=False,
                     top_k=None, class_id=None, sample_weight=None, multi_label=False,
                     label_weights=None, dtype=torch.float32):
    """The weighted confusion counts of one batch at every threshold.

    Args:
        y_true: Labels; any non-zero value is a positive.
        y_pred: Scores, compared with ``pred > threshold``.
        thresholds: 1-D tensor of thresholds, sorted ascending, on the data's device.
        evenly: The thresholds are ``i / (T - 1)`` (possibly with the ends pushed out by
            epsilon, ``with_epsilon``): use Keras's bucket formula and clip scores to [0, 1].
        top_k: Only the ``k`` highest scores of each sample may count as positive.
        class_id: Count only this class (column of the last axis).
        sample_weight: Weights broadcastable to the predictions.
        multi_label: Keep one column of counts per label (``y_pred`` of rank 2) instead of
            pooling all entries.
        label_weights: Per-class weights (only without ``multi_label``).

    Returns:
        A tensor of shape ``(T, 4)`` (``(T, labels, 4)`` with ``multi_label``) whose last axis
        holds the weight of true positives, false positives, false negatives and true negatives,
        in that order (``COUNT_ORDER``).
    """
    y_true, y_pred, weights = _prepare(y_true, y_pred, sample_weight, top_k, class_id, dtype)
    if label_weights is not None and not multi_label:
        label_weights = label_weights.to(dtype).expand(y_pred.shape)
        weights = label_weights if weights is None else weights * label_weights
    positive = (y_true != 0).expand(y_pred.shape)
    if not multi_label:  # pool every entry into one column
        y_pred, positive = y_pred.reshape(-1, 1), positive.reshape(-1, 1)
        weights = None if weights is None else weights.reshape(-1, 1)
    # (entries, labels, 2): the weight each entry adds if positive / if negative.
    split = torch.stack([positive, ~positive], dim=-1).to(dtype)
    if weights is not None:
        split = split * weights.unsqueeze(-1)

    num_thresholds = thresholds.shape[0]
    if not evenly and num_thresholds <= _MAX_DIRECT:
        # Few thresholds: compare every score with every threshold, fewer kernels than buckets.
        is_above = y_pred.unsqueeze(0) > thresholds.view(-1, 1, 1)
        above = (is_above.unsqueeze(-1) * split).sum(1)
    else:
        above = _weight_above_by_buckets(y_pred, split, thresholds, evenly, with_epsilon)
    below = split.sum(0) - above  # false negatives, true negatives
    counts = torch.cat([above, below], dim=-1)
    return counts if multi_label else counts[:, 0]


def _weight_above_by_buckets(y_pred, split, thresholds, evenly, with_epsilon):
    """For every threshold, the summed ``split`` of the entries whose score is above it."""
    num_thresholds = thresholds.shape[0]
    if evenly:
        scores = torch.clamp(y_pred, 0.0, 1.0)
        bucket = torch.ceil(scores * float(num_thresholds - 1))
        if with_epsilon:  # every score in [0, 1] is above the first threshold, -epsilon
            bucket = torch.clamp(bucket, min=1.0)
        bucket = bucket.long()
    else:
        # bucketize (right=False) counts the thresholds strictly below each score.
        bucket = torch.bucketize(y_pred.contiguous(), thresholds)
    # A NaN score is above no threshold (every comparison with NaN is false).
    bucket = torch.where(torch.isnan(y_pred), 0, bucket).clamp_(0, num_thresholds)
    sums = torch.zeros((num_thresholds + 1,) + tuple(split.shape[1:]), dtype=split.dtype,
                       device=split.device)
    sums.scatter_add_(0, bucket.unsqueeze(-1).expand(split.shape), split)
    return sums[1:].flip(0).cumsum(0).flip(0)  # weight strictly above each threshold
