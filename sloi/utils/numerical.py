"""``to_categorical`` and ``normalize``, as ``keras.utils`` has them."""

from __future__ import annotations

import numpy as np
import torch

from sloi.settings import epsilon as backend_epsilon


def to_categorical(x, num_classes=None):
    """Class indices to one-hot rows (for ``categorical_crossentropy``).

    Args:
        x: integer labels from 0 to ``num_classes - 1``, any shape; a last axis of size 1
            (labels shaped ``(n, 1)``) is dropped, as in Keras 3. Floats are accepted when they
            are whole numbers.
        num_classes: the number of classes; ``max(x) + 1`` when ``None``.

    Returns:
        For numpy / lists: a float64 numpy array ``x.shape + (num_classes,)``. For a torch
        tensor: a float32 tensor on the same device (Keras gives a backend tensor too).

    Example:
        >>> to_categorical([0, 2, 1], num_classes=3)
        array([[1., 0., 0.],
               [0., 0., 1.],
               [0., 1., 0.]])
    """
    if num_classes is not None and (not isinstance(num_classes, (int, np.integer))
                                    or isinstance(num_classes, bool) or num_classes < 1):
        raise ValueError(f"to_categorical: num_classes must be None or an int >= 1; got "
                         f"num_classes={num_classes!r}")
    if isinstance(x, torch.Tensor):
        labels = x.detach().cpu().numpy()
    else:
        labels = np.asarray(x)
    if labels.dtype.kind not in "iufb":
        raise TypeError(f"to_categorical expects integer class labels; got an array of dtype "
                        f"{labels.dtype}")
    shape = labels.shape
    if len(shape) > 1 and shape[-1] == 1:
        shape = shape[:-1]
    flat = labels.reshape(-1)
    if flat.dtype.kind == "f":
        bad = np.flatnonzero(flat != np.round(flat))  # NaN is caught here too
        if bad.size:
            k = int(bad[0])
            raise ValueError(f"to_categorical: labels must be whole numbers; label "
                             f"{flat[k]} at flat index {k} is not")
    flat = flat.astype("int64")
    if flat.size == 0 and num_classes is None:
        raise ValueError("to_categorical: got no labels and no num_classes, so the number of "
                         "classes is unknown; pass num_classes")
    if flat.size and flat.min() < 0:
        k = int(np.argmin(flat))
        raise ValueError(f"to_categorical: labels must be >= 0; got label {flat[k]} at flat "
                         f"index {k} (num_classes={num_classes})")
    if num_classes is None:
        num_classes = int(flat.max()) + 1
    elif flat.size and flat.max() >= num_classes:
        k = int(np.argmax(flat))
        raise ValueError(f"to_categorical: label {flat[k]} at flat index {k} is out of range "
                         f"for num_classes={num_classes} (labels must be in [0, "
                         f"{num_classes - 1}])")
    if isinstance(x, torch.Tensor):
        index = torch.as_tensor(flat, device=x.device).reshape(shape)
        return torch.nn.functional.one_hot(index, num_classes).to(torch.float32)
    out = np.zeros((flat.size, num_classes))
    out[np.arange(flat.size), flat] = 1.0
    return out.reshape(shape + (num_classes,))


def normalize(x, axis=-1, order=2):
    """Divide ``x`` by its ``order``-norm along ``axis``.

    Args:
        x: a numpy array or a torch tensor.
        axis: the axis along which the norm is taken.
        order: the norm's order (2 for L2).

    Returns:
        A normalized copy, of the input's kind. For numpy a zero norm is taken as 1 (zero
        rows stay zero); for tensors the norm is floored at 1e-7, as Keras does for each.
        Unlike Keras's numpy path, ``axis=0`` is honoured (Keras divided along the last axis).
    """
    if isinstance(x, torch.Tensor):
        if not x.is_floating_point():
            x = x.to(torch.float32)
        if x.ndim == 0:
            x = x.reshape(1)
        if order == 2:  # Keras's L2 special case: x * rsqrt(sum x^2), capped at 1/epsilon
            inv = torch.rsqrt(x.square().sum(dim=axis, keepdim=True))
            return x * torch.clamp(inv, max=1.0 / backend_epsilon())
        norm = torch.linalg.vector_norm(x, ord=order, dim=axis, keepdim=True)
        return x / torch.clamp(norm, min=backend_epsilon())
    x = np.asarray(x)
    norm = np.linalg.norm(x, order, axis, keepdims=True)
    norm = np.atleast_1d(norm)
    norm[norm == 0] = 1
    return x / norm
