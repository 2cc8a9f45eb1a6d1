"""Probabilistic losses: crossentropies (binary, categorical, sparse, focal, generalized), KL
divergence, Poisson. Each comes as a function (per-sample losses) and as a `Loss` class.

Probabilities are clipped to `[1e-7, 1 - 1e-7]` before a log, as Keras does, so that
predictions of exactly 0 or 1 give finite losses and gradients. Logits take the fused
log-space kernels (`binary_cross_entropy_with_logits`, `log_softmax`, `cross_entropy`).
"""

import warnings

import torch
import torch.nn.functional as F

from sloi.engine.keras_mask import set_keras_mask
from sloi.losses.loss import (
    BuiltinLoss,
    match_rank,
    mean_over,
    prepare_pair,
    takes_integer_labels,
    to_tensor,
)
from sloi.settings import epsilon as backend_epsilon


def _check_same_shape(fn_name, y_true, y_pred):
    if y_true.shape != y_pred.shape:
        raise ValueError(
            f"{fn_name} expects y_true and y_pred of the same shape; got y_true.shape="
            f"{tuple(y_true.shape)} and y_pred.shape={tuple(y_pred.shape)}."
        )


def _clip(probs):
    return probs.clamp(backend_epsilon(), 1.0 - backend_epsilon())


def _bce_on_probs(y_true, probs, reduction="none"):
    """Elementwise crossentropy of clipped probabilities (Keras's torch backend op)."""
    device_type = probs.device.type
    if torch.amp.is_autocast_available(device_type) and torch.is_autocast_enabled(device_type):
        # CUDA autocast refuses binary_cross_entropy outright; the loss is float32 anyway.
        with torch.autocast(device_type, enabled=False):
            return F.binary_cross_entropy(_clip(probs), y_true, reduction=reduction)
    return F.binary_cross_entropy(_clip(probs), y_true, reduction=reduction)


def _elementwise_bce(y_true, y_pred, from_logits):
    _check_same_shape("binary_crossentropy", y_true, y_pred)
    if from_logits:
        return F.binary_cross_entropy_with_logits(y_pred, y_true, reduction="none")
    return _bce_on_probs(y_true, y_pred)


def _smooth_binary(y_true, label_smoothing):
    """Pulls hard 0/1 labels toward 0.5."""
    return y_true * (1.0 - label_smoothing) + 0.5 * label_smoothing


def _smooth_categorical(y_true, label_smoothing):
    """Pulls one-hot labels toward uniform over the classes of the *last* axis (as Keras does,
    whatever `axis` says)."""
    return y_true * (1.0 - label_smoothing) + label_smoothing / y_true.shape[-1]


def binary_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy, averaged over `axis`.

    Args:
        y_true: 0/1 labels, the shape of `y_pred`.
        y_pred: probabilities, or logits when `from_logits`.
        from_logits: whether `y_pred` are logits.
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: the axis averaged over.

    Returns:
        One loss per sample: `y_pred`'s shape without `axis`.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if label_smoothing:
        y_true = _smooth_binary(y_true, label_smoothing)
    return mean_over(_elementwise_bce(y_true, y_pred, from_logits), axis)


def binary_focal_crossentropy(y_true, y_pred, apply_class_balancing=False, alpha=0.25,
                              gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1):
    """Binary crossentropy scaled by `(1 - p_t) ** gamma`, which quiets easy examples
    (Lin et al., 2017), averaged over `axis`.

    Args:
        apply_class_balancing: weigh positives by `alpha` and negatives by `1 - alpha`.
        alpha: the positives' weight when balancing.
        gamma: the focusing exponent; 0 gives plain binary crossentropy.
        from_logits, label_smoothing, axis: as for `binary_crossentropy`.
    """
    y_true, y_pred = prepare_pair(y_true, y_pred)
    if label_smoothing:
        y_true = _smooth_binary(y_true, label_smoothing)
    if from_logits:
        y_pred = torch.sigmoid(y_pred)
    _check_same_shape("binary_focal_crossentropy", y_true, y_pred)
    bce = _bce_on_probs(y_true, y_pred)
    p_t = y_true * y_pred + (1.0 - y_true) * (1.0 - y_pred)
    focal_bce = (1.0 - p_t).pow(gamma) * bce
    if apply_class_balancing:
        focal_bce = (y_true * alpha + (1.0 - y_true) * (1.0 - alpha)) * focal_bce
    return mean_over(focal_bce, axis)


def _check_axis(axis):
    if isinstance(axis, bool) or not isinstance(axis, int):
        raise ValueError(f"`axis` must be an int. Received: axis={axis!r}")


def _warn_one_class(fn_name, y_pred):
    if y_pred.shape[-1] == 1:
        warnings.warn(
            f"In loss {fn_name}, expected y_pred.shape to be (batch_size, num_classes) with "
            f"num_classes > 1. Received: y_pred.shape={tuple(y_pred.shape)}. Consider using "
            "'binary_crossentropy' if you only have 2 classes.",
            SyntaxWarning,
            stacklevel=3,
        )


def _normalized_probs(y_pred, axis):
    """Scales probabilities to sum to 1 along `axis`, then clips them, as Keras does."""
    return _clip(y_pred / y_pred.sum(dim=axis, keepdim=True))


def categorical_crossentropy(y_true, y_pred, from_logits=False, label_smoothing=0.0, axis=-1):
    """Crossentropy between one-hot (or soft) labels and predicted class distributions.

    Args:
        y_true: one-hot labels, the shape of `y_pred`.
        y_pred: class probabilities (scaled to sum to 1 along `axis`), or logits.
        from_logits: whether `y_pred` are logits.
        label_smoothing: labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis.

    Returns:
        One loss per sample: `y_pred`'s shape without `axis`.
    """
    _check_axis(axis)
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype, y_pred.device)
    _warn_one_class("categorical_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing)
    _check_same_shape("categorical_crossentropy", y_true, y_pred)
    if from_logits:
        log_probs = F.log_softmax(y_pred, dim=axis)
    else:
        log_probs = _normalized_probs(y_pred, axis).log()
    return -(y_true * log_probs).sum(dim=axis)


def categorical_focal_crossentropy(y_true, y_pred, alpha=0.25, gamma=2.0, from_logits=False,
                                   label_smoothing=0.0, axis=-1):
    """Categorical crossentropy scaled by `alpha * (1 - p) ** gamma`, class by class.

    Args:
        alpha: a constant weight on every term.
        gamma: the focusing exponent.
        from_logits, label_smoothing, axis: as for `categorical_crossentropy`.
    """
    _check_axis(axis)
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, y_pred.dtype, y_pred.device)
    _warn_one_class("categorical_focal_crossentropy", y_pred)
    if label_smoothing:
        y_true = _smooth_categorical(y_true, label_smoothing)
    if from_logits:
        y_pred = F.softmax(y_pred, dim=axis)
    _check_same_shape("categorical_focal_crossentropy", y_true, y_pred)
    probs = _normalized_probs(y_pred, axis)
    focal = alpha * (1.0 - probs).pow(gamma) * (-y_true * probs.log())
    return focal.sum(dim=axis)


@takes_integer_labels
def sparse_categorical_crossentropy(y_true, y_pred, from_logits=False, ignore_class=None,
                                    axis=-1):
    """Crossentropy between integer class labels and predicted class distributions.

    Args:
        y_true: class indices, `y_pred`'s shape without `axis`, or with a 1 there:
            `(batch,)` or `(batch, 1)` for `(batch, classes)`; `(batch, steps)` for
            sequence outputs `(batch, steps, classes)`.
        y_pred: class probabilities (scaled to sum to 1 along `axis`), or logits.
        from_logits: whether `y_pred` are logits.
        ignore_class: a label value that contributes no loss (padding); the result then
            carries a `_keras_mask` so that the mean runs over the other entries only.
        axis: the class axis.

    Returns:
        One loss per label: `y_pred`'s shape without `axis`.
    """
    y_pred = to_tensor(y_pred)
    y_true = to_tensor(y_true, device=y_pred.device)
    if y_pred.dim() < 1:
        raise ValueError("sparse_categorical_crossentropy expects y_pred of rank >= 1.")
    class_dim = axis % y_pred.dim()
    if y_true.dim() == y_pred.dim() and y_true.shape[class_dim] == 1:
        y_true = y_true.squeeze(class_dim)
    expected = tuple(d for i, d in enumerate(y_pred.shape) if i != class_dim)
    if tuple(y_true.shape) != expected:
        raise ValueError(
            "sparse_categorical_crossentropy expects y_true of y_pred's shape without the "
            f"class axis, {expected}; got y_true.shape={tuple(y_true.shape)} and "
            f"y_pred.shape={tuple(y_pred.shape)}."
        )
    target = to_tensor(y_true, torch.long)  # float labels truncate, as Keras's cast does
    # The torch kernels want classes on dim 1 (dim 0 for a single unbatched sample). Classes
    # last, the common case, flatten to (samples, classes): contiguous rows, the fast kernels.
    label_shape = target.shape
    if y_pred.dim() > 2 and class_dim == y_pred.dim() - 1:
        y_pred, target = y_pred.reshape(-1, y_pred.shape[-1]), target.reshape(-1)
    elif y_pred.dim() > 1 and class_dim != 1:
        y_pred = y_pred.movedim(class_dim, 1)
    torch_class_dim = 0 if y_pred.dim() == 1 else 1
    ignore_index = -100 if ignore_class is None else int(ignore_class)  # -100: torch's default
    if from_logits:
        losses = F.cross_entropy(y_pred, target, reduction="none", ignore_index=ignore_index)
    else:
        log_probs = _normalized_probs(y_pred, torch_class_dim).log()
        losses = F.nll_loss(log_probs, target, reduction="none", ignore_index=ignore_index)
    losses = losses.reshape(label_shape)
    if ignore_class is not None:
        set_keras_mask(losses, (target != ignore_index).reshape(label_shape))
    return losses



@takes_integer_labels
def categorical_generalized_cross_entropy(y_true, y_pred, q):
    """Generalized crossentropy `(1 - p ** q) / q`, `p` the predicted probability of the true
    class (Zhang & Sabuncu, 2018): near crossentropy as `q` -> 0, near the mean absolute error
    at `q` = 1, and more robust to noisy labels in between.

    Args:
        y_true: integer class indices, `y_pred`'s shape without the class axis (a trailing 1
            is accepted: `(batch,)` or `(batch, 1)` for `(batch, classes)`). A negative
            index gives `p = 0`, as Keras's one-hot encoding does.
        y_pred: class probabilities, classes on the last axis (not rescaled).
        q: the noise parameter, in (0, 1).

    Returns:
        One loss per label: `y_pred`'s shape without the last axis.
    """
    y_pred = to_tensor(y_pred)
    labels = to_tensor(y_true, device=y_pred.device)
    if labels.dim() == y_pred.dim() and labels.shape[-1] == 1:
        labels = labels.squeeze(-1)
    if tuple(labels.shape) != tuple(y_pred.shape[:-1]):
        raise ValueError(
            "categorical_generalized_cross_entropy expects y_true of y_pred's shape without "
            f"the class axis, {tuple(y_pred.shape[:-1])}; got y_true.shape="
            f"{tuple(labels.shape)} and y_pred.shape={tuple(y_pred.shape)}."
        )
    labels = to_tensor(labels, torch.long)  # float labels truncate, as Keras's cast does
    p = y_pred.gather(-1, labels.clamp_min(0).unsqueeze(-1)).squeeze(-1)
    p = torch.where(labels >= 0, p, torch.zeros_like(p))
    return (1.0 - p.pow(q)) / q



def kl_divergence(y_true, y_pred):
    """Kullback-Leibler divergence `sum(y_true * log(y_true / y_pred))` over the last axis,
    both clipped to `[1e-7, 1]`."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    y_true = y_true.clamp(backend_epsilon(), 1.0)
    y_pred = y_pred.clamp(backend_epsilon(), 1.0)
    return (y_true * (y_true / y_pred).log()).sum(dim=-1)


def poisson(y_true, y_pred):
    """Poisson loss `mean(y_pred - y_true * log(y_pred + 1e-7))` over the last axis."""
    y_true, y_pred = prepare_pair(y_true, y_pred)
    return mean_over(y_pred - y_true * (y_pred + backend_epsilon()).log(), -1)


class BinaryCrossentropy(BuiltinLoss):
    """Binary crossentropy: for 0/1 labels and one probability (or logit) per label.

    Args:
        from_logits: whether `y_pred` are logits (more stable: fused log-sigmoid).
        label_smoothing: in [0, 1]; labels become `y * (1 - s) + 0.5 * s`.
        axis: the axis averaged over. Defaults to -1.
        reduction, name, dtype: as for `Loss`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="binary_crossentropy", dtype=None):
        super().__init__(binary_crossentropy, reduction, name, dtype, from_logits=from_logits,
                         label_smoothing=label_smoothing, axis=axis)

    def _fused_mean(self, y_true, y_pred):
        y_true, y_pred = match_rank(to_tensor(y_true, y_pred.dtype), y_pred)
        if y_true.shape != y_pred.shape:
            return None
        if self.label_smoothing:
            y_true = _smooth_binary(y_true, self.label_smoothing)
        if self.from_logits:
            return F.binary_cross_entropy_with_logits(y_pred, y_true)
        return _bce_on_probs(y_true, y_pred, reduction="mean")


class BinaryFocalCrossentropy(BuiltinLoss):
    """Binary focal crossentropy (see `binary_focal_crossentropy`)."""

    def __init__(self, apply_class_balancing=False, alpha=0.25, gamma=2.0, from_logits=False,
                 label_smoothing=0.0, axis=-1, reduction="sum_over_batch_size",
                 name="binary_focal_crossentropy", dtype=None):
        super().__init__(binary_focal_crossentropy, reduction, name, dtype,
                         apply_class_balancing=apply_class_balancing, alpha=alpha, gamma=gamma,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)


class CategoricalCrossentropy(BuiltinLoss):
    """Categorical crossentropy: for one-hot labels and a class distribution per sample.

    Args:
        from_logits: whether `y_pred` are logits (fused log-softmax).
        label_smoothing: labels become `y * (1 - s) + s / num_classes`.
        axis: the class axis. Defaults to -1.
        reduction, name, dtype: as for `Loss`.
    """

    def __init__(self, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_crossentropy", dtype=None):
        super().__init__(categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, label_smoothing=label_smoothing, axis=axis)

    def _fused_mean(self, y_true, y_pred):
        if (not self.from_logits or y_pred.dim() < 2 or y_pred.shape[-1] == 1
                or self.axis not in (-1, y_pred.dim() - 1) or y_true.shape != y_pred.shape):
            return None
        y_true = to_tensor(y_true, y_pred.dtype)
        if self.label_smoothing:
            y_true = _smooth_categorical(y_true, self.label_smoothing)
        classes = y_pred.shape[-1]  # soft targets: -sum(t * log_softmax), mean over samples
        return F.cross_entropy(y_pred.reshape(-1, classes), y_true.reshape(-1, classes))


class CategoricalFocalCrossentropy(BuiltinLoss):
    """Categorical focal crossentropy (see `categorical_focal_crossentropy`)."""

    def __init__(self, alpha=0.25, gamma=2.0, from_logits=False, label_smoothing=0.0, axis=-1,
                 reduction="sum_over_batch_size", name="categorical_focal_crossentropy",
                 dtype=None):
        super().__init__(categorical_focal_crossentropy, reduction, name, dtype, alpha=alpha,
                         gamma=gamma, from_logits=from_logits, label_smoothing=label_smoothing,
                         axis=axis)


class SparseCategoricalCrossentropy(BuiltinLoss):
    """Sparse categorical crossentropy: for integer class labels and a class distribution
    per sample (or per step).

    Args:
        from_logits: whether `y_pred` are logits (fused `cross_entropy`).
        ignore_class: a label value (padding) that adds no loss and is left out of the mean.
        reduction: as for `Loss` (third, as in Keras's signature).
        axis: the class axis. Defaults to -1.
        name, dtype: as for `Loss`.
    """

    def __init__(self, from_logits=False, ignore_class=None, reduction="sum_over_batch_size",
                 axis=-1, name="sparse_categorical_crossentropy", dtype=None):
        super().__init__(sparse_categorical_crossentropy, reduction, name, dtype,
                         from_logits=from_logits, ignore_class=ignore_class, axis=axis)

    def _fused_mean(self, y_true, y_pred):
        if (self.ignore_class is not None or y_pred.dim() < 2 or y_pred.shape[-1] == 1
                or self.axis not in (-1, y_pred.dim() - 1)):
            return None
        if y_true.dim() == y_pred.dim() and y_true.shape[-1] == 1:
            y_true = y_true.squeeze(-1)
        if y_true.shape != y_pred.shape[:-1]:
            return None
        classes = y_pred.shape[-1]
        y_pred, target = y_pred.reshape(-1, classes), to_tensor(y_true, torch.long).reshape(-1)
        if self.from_logits:
            return F.cross_entropy(y_pred, target)
        return F.nll_loss(_normalized_probs(y_pred, 1).log(), target)


class KLDivergence(BuiltinLoss):
    """Kullback-Leibler divergence between label and predicted distributions."""

    def __init__(self, reduction="sum_over_batch_size", name="kl_divergence", dtype=None):
        super().__init__(kl_divergence, reduction, name, dtype)


class Poisson(BuiltinLoss):
    """Poisson loss, for counts predicted as rates."""

    def __init__(self, reduction="sum_over_batch_size", name="poisson", dtype=None):
        super().__init__(poisson, reduction, name, dtype)


class CategoricalGeneralizedCrossEntropy(BuiltinLoss):
    """Generalized crossentropy (see `categorical_generalized_cross_entropy`), for integer
    labels and class probabilities; robust to noisy labels.

    Args:
        q: the noise parameter, in (0, 1): towards 0 it behaves like crossentropy, towards 1
            like the mean absolute error. Defaults to 0.5.
        reduction, name, dtype: as for `Loss`.
    """

    def __init__(self, q=0.5, reduction="sum_over_batch_size",
                 name="categorical_generalized_cross_entropy", dtype=None):
        if not 0 < q < 1:
            raise ValueError(f"CategoricalGeneralizedCrossEntropy: `q` must be in the interval "
                             f"(0, 1); got q={q!r}")
        super().__init__(categorical_generalized_cross_entropy, reduction, name, dtype, q=q)
