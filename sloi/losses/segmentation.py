"""Overlap losses for segmentation: Dice and Tversky. Each comes as a function and as a `Loss`
class.

Both sum over `axis` (every axis by default, which gives one number for the whole batch) and
compare the overlap `sum(y_true * y_pred)` with the sizes of the two masks, so that a small
foreground counts as much as a large one, unlike a per-pixel crossentropy.
"""

from sloi.losses.loss import BuiltinLoss, prepare_pair
from sloi.settings import epsilon as backend_epsilon


def _axes(axis):
    """`axis` as torch's `dim`: None (every axis), an int, or a tuple (configs bring lists)."""
    return tuple(axis) if isinstance(axis, list) else axis


def _sum(x, axis):
    return x.sum() if axis is None else x.sum(dim=axis)


def dice(y_true, y_pred, axis=None):
    """Dice loss: `1 - 2 * sum(y_true * y_pred) / (sum(y_true) + sum(y_pred) + 1e-7)`.

    Args:
        y_true: targets (0/1 masks, or soft ones).
        y_pred: predicted probabilities, the shape of `y_true`.
        axis: the axes summed over: None (all: one number), an int or a tuple, e.g.
            `(1, 2, 3)` for one loss per image of a `(batch, height, width, channels)` mask.

    Returns:
        The loss, of `y_pred`'s shape without `axis` (a 0-dim tensor for `axis=None`).
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    axis = _axes(axis)
    intersection = _sum(y_true * y_pred, axis)
    return 1.0 - 2.0 * intersection / (_sum(y_true, axis) + _sum(y_pred, axis) + backend_epsilon())


def tversky(y_true, y_pred, alpha=0.5, beta=0.5, axis=None):
    """Tversky loss: `1 - tp / (tp + alpha * fp + beta * fn + 1e-7)` with soft counts
    `tp = sum(y_true * y_pred)`, `fp = sum((1 - y_pred) * y_true)` and
    `fn = sum(y_pred * (1 - y_true))`, as Keras 3 names them (Salehi et al., 2017).
    `alpha = beta = 0.5` gives the Dice loss.

    Args:
        y_true, y_pred, axis: as for `dice`.
        alpha: the weight of the `fp` term.
        beta: the weight of the `fn` term.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    axis = _axes(axis)
    tp = _sum(y_true * y_pred, axis)
    # Keras 3's names, kept for its numbers: its "fp" counts missed foreground (the labels'
    # mass the prediction lacks) and its "fn" the spurious foreground.
    fp = _sum((1.0 - y_pred) * y_true, axis)
    fn = _sum(y_pred * (1.0 - y_true), axis)
    return 1.0 - tp / (tp + fp * alpha + fn * beta + backend_epsilon())


class Dice(BuiltinLoss):
    """Dice loss (see `dice`).

    Args:
        reduction: as for `Loss`.
        name: the loss's name. Defaults to `"dice"`.
        axis: the axes summed over; None (default) sums every axis into one number.
        dtype: as for `Loss`.

    Example:
        >>> Dice(axis=(1, 2, 3), reduction=None)(masks, probs)  # one loss per image
    """

    def __init__(self, reduction="sum_over_batch_size", name="dice", axis=None, dtype=None):
        super().__init__(dice, reduction, name, dtype, axis=axis)


class Tversky(BuiltinLoss):
    """Tversky loss (see `tversky`): Dice with separate weights on the two kinds of error.

    Args:
        alpha: the weight of `tversky`'s `fp` term. Defaults to 0.5.
        beta: the weight of its `fn` term. Defaults to 0.5.
        reduction: as for `Loss`.
        name: the loss's name. Defaults to `"tversky"`.
        axis: the axes summed over; None (default) sums every axis into one number.
        dtype: as for `Loss`.
    """

    def __init__(self, alpha=0.5, beta=0.5, reduction="sum_over_batch_size", name="tversky",
                 axis=None, dtype=None):
        super().__init__(tversky, reduction, name, dtype, alpha=alpha, beta=beta, axis=axis)
