"""Checks of the targets against the outputs, before any step runs; class weights."""

from __future__ import annotations

import numpy as np
import torch

from sloi import losses as losses_mod


def _as_numpy(a):
    if isinstance(a, torch.Tensor):
        return a.detach().cpu().numpy()
    return np.asarray(a)


def check_targets(model, compile_loss, targets: list) -> None:
    """Raise ``ValueError`` naming the output and the loss when a target cannot fit."""
    if compile_loss is None:
        return
    outputs = model.outputs if hasattr(model, "outputs") else []
    for out, fn, y, name in zip(outputs, compile_loss.losses, targets,
                                compile_loss.output_names):
        if fn is None or y is None:
            continue
        y = _as_numpy(y)
        out_shape = tuple(out.shape)
        loss_name = getattr(fn, "name", None) or getattr(fn, "__name__", type(fn).__name__)
        units = out_shape[-1]
        if losses_mod.is_sparse(fn):
            labels_rank_ok = y.ndim == len(out_shape) - 1 or (
                y.ndim == len(out_shape) and y.shape[-1] == 1)
            if not labels_rank_ok:
                raise ValueError(
                    f'Output "{name}" has shape {out_shape}; {loss_name} needs integer labels '
                    f"of shape {out_shape[:-1]} (one class id per sample); got targets of "
                    f"shape {y.shape}. One-hot targets go with categorical_crossentropy."
                )
            if units is not None and y.size:
                low, high = y.min(), y.max()
                if low < 0 or high >= units:
                    bad = high if high >= units else low
                    raise ValueError(
                        f'Output "{name}" has {units} classes, so {loss_name} needs labels in '
                        f"[0, {units}); got label {bad}"
                    )
        elif losses_mod.is_categorical(fn):
            if not _fits(tuple(y.shape[1:]), tuple(out_shape[1:])):
                raise ValueError(
                    f'Output "{name}" has shape {out_shape}, so {loss_name} needs one-hot '
                    f"targets of shape (n, {', '.join(str(d) for d in out_shape[1:])}); got "
                    f"{y.shape}. Integer labels go with sparse_categorical_crossentropy."
                )
        elif losses_mod.has_own_target_shape(fn):
            continue  # integer labels of their own shape (CTC, Circle): the loss checks them
        else:
            target = tuple(y.shape[1:])
            expected = tuple(out_shape[1:])
            if not (_fits(target, expected) or _fits(target + (1,), expected)):
                raise ValueError(
                    f'Output "{name}" has shape {out_shape}; its targets for {loss_name} must '
                    f"have the same shape (n, {', '.join(str(d) for d in expected)}); got "
                    f"{y.shape}"
                )


def _fits(shape: tuple, expected: tuple) -> bool:
    """Whether a target's shape fits an output's: same rank, each axis equal, where the output's
    axis is None (a variable-length time axis) any size."""
    return len(shape) == len(expected) and all(
        e is None or e == s for s, e in zip(shape, expected))


def class_weights_to_sample_weights(y, class_weight: dict, sample_weight=None):
    """Keras's ``class_weight``: each sample weighs as its class (integer label, or the arg-max
    of a one-hot target), times its own sample weight."""
    if isinstance(y, (list, dict)):
        raise ValueError("class_weight works with models of a single output; use "
                         "sample_weight for several outputs")
    labels = _as_numpy(y)
    if labels.ndim > 1 and labels.shape[-1] > 1:
        labels = labels.argmax(axis=-1)
    labels = labels.reshape(len(labels), -1)[:, 0] if labels.ndim > 1 else labels
    labels = np.rint(labels).astype(np.int64)
    missing = sorted(set(np.unique(labels).tolist()) - set(class_weight))
    if missing:
        raise ValueError(f"class_weight has no weight for class(es) {missing}; it gives "
                         f"{sorted(class_weight)}")
    weights = np.array([class_weight[c] for c in labels.tolist()], dtype=np.float32)
    if sample_weight is not None:
        weights = weights * _as_numpy(sample_weight).astype(np.float32)
    return weights
