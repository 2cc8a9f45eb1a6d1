"""Activation functions with Keras 3 names, arguments and math, on torch tensors.

Each function takes a `torch.Tensor` and returns one of the same shape and dtype. They sit on
the hot path of every layer, so each one is a single fused torch op wherever torch has one.
"""

import torch
import torch.nn.functional as F


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit, `max(x, 0)` by default.

    Args:
        negative_slope: slope for values below `threshold`.
        max_value: largest value returned (saturation), or None.
        threshold: values at or below it are damped (to 0, or by `negative_slope`).
    """
    if negative_slope == 0.0 and threshold == 0.0:
        if max_value is None:
            return torch.relu(x)
        return torch.clamp(x, 0.0, max_value)
    if max_value is None and threshold == 0.0:
        return F.leaky_relu(x, negative_slope)
    # Keras keeps x itself above the threshold (not x - threshold), then clips to [0, max].
    y = torch.where(x > threshold, x, 0.0) if threshold != 0.0 else torch.relu(x)
    if max_value is not None:
        y = torch.clamp(y, 0.0, max_value)
    if negative_slope != 0.0:
        y = y - negative_slope * torch.relu(threshold - x)
    return y


def leaky_relu(x, negative_slope=0.2):
    """`x` for `x >= 0`, `negative_slope * x` otherwise."""
    return F.leaky_relu(x, negative_slope)


def relu6(x):
    """ReLU capped at 6: `min(max(x, 0), 6)`."""
    return F.relu6(x)


def sigmoid(x):
    """`1 / (1 + exp(-x))`."""
    return torch.sigmoid(x)


def tanh(x):
    """Hyperbolic tangent."""
    return torch.tanh(x)


def softmax(x, axis=-1):
    """`exp(x) / sum(exp(x))` along `axis` (an int, a tuple of ints, or None for all axes)."""
    if isinstance(axis, int):
        return torch.softmax(x, axis)
    return _over_axes(torch.softmax, x, axis)


def log_softmax(x, axis=-1):
    """`log(softmax(x))` along `axis`, computed stably."""
    if isinstance(axis, int):
        return torch.log_softmax(x, axis)
    return _over_axes(torch.log_softmax, x, axis)


def _over_axes(fn, x, axis):
    # Several axes form one distribution: move them last, flatten them, apply, undo.
    axes = tuple(range(x.ndim)) if axis is None else tuple(a % x.ndim for a in axis)
    keep = [d for d in range(x.ndim) if d not in axes]
    moved = x.permute(*keep, *axes)
    out = fn(moved.reshape(*moved.shape[: len(keep)], -1), -1).reshape(moved.shape)
    order = keep + list(axes)
    return out.permute(*sorted(range(x.ndim), key=order.__getitem__))


def linear(x):
    """Identity: returns `x` unchanged."""
    return x


def exponential(x):
    """`exp(x)`."""
    return torch.exp(x)


def elu(x, alpha=1.0):
    """`x` for `x > 0`, `alpha * (exp(x) - 1)` otherwise."""
    return F.elu(x, alpha)


def selu(x):
    """`scale * elu(x, alpha)` with alpha=1.67326324, scale=1.05070098 (Klambauer et al.)."""
    return torch.selu(x)


def celu(x, alpha=1.0):
    """`x` for `x >= 0`, `alpha * (exp(x / alpha) - 1)` otherwise."""
    return torch.celu(x, alpha)


def softplus(x):
    """`log(exp(x) + 1)`."""
    return F.softplus(x)


def softsign(x):
    """`x / (|x| + 1)`."""
    return F.softsign(x)


def silu(x):
    """Swish / SiLU: `x * sigmoid(x)`."""
    return F.silu(x)


swish = silu


def gelu(x, approximate=False):
    """Gaussian error linear unit, `x * P(X <= x)` for X ~ N(0, 1).

    Args:
        approximate: use the tanh approximation instead of the exact erf form.
    """
    return F.gelu(x, approximate="tanh" if approximate else "none")


def hard_sigmoid(x):
    """Keras 3 hard sigmoid: `relu6(x + 3) / 6` (0 below -3, 1 above 3).

    Keras 2 used `0.2 * x + 0.5` instead; Keras 3 changed it to this definition.
    """
    return F.hardsigmoid(x)


def hard_silu(x):
    """Hard swish: `x * relu6(x + 3) / 6`."""
    return F.hardswish(x)


hard_swish = hard_silu


def hard_tanh(x):
    """`x` clipped to [-1, 1]."""
    return F.hardtanh(x, -1.0, 1.0)


def mish(x):
    """`x * tanh(softplus(x))`."""
    return F.mish(x)


def log_sigmoid(x):
    """`log(sigmoid(x))`, computed stably."""
    return F.logsigmoid(x)


def tanh_shrink(x):
    """`x - tanh(x)`."""
    return F.tanhshrink(x)


def soft_shrink(x, threshold=0.5):
    """`x - threshold` above it, `x + threshold` below `-threshold`, 0 between."""
    return F.softshrink(x, threshold)


def hard_shrink(x, threshold=0.5):
    """`x` where `|x| > threshold`, 0 elsewhere."""
    return F.hardshrink(x, threshold)


def threshold(x, threshold, default_value):
    """`x` where `x > threshold`, `default_value` elsewhere."""
    return F.threshold(x, threshold, default_value)


def squareplus(x, b=4):
    """`(x + sqrt(x^2 + b)) / 2`, a smooth relu."""
    return (x + torch.sqrt(x * x + b)) / 2


def sparse_plus(x):
    """0 for `x <= -1`, `(x + 1)^2 / 4` for `-1 < x < 1`, `x` for `x >= 1`."""
    return torch.where(x <= -1, 0.0, torch.where(x < 1, 0.25 * (x + 1) ** 2, x))


def sparse_sigmoid(x):
    """0 for `x <= -1`, `(x + 1) / 2` for `-1 < x < 1`, 1 for `x >= 1`."""
    return torch.clamp(0.5 * (x + 1), 0.0, 1.0)


def glu(x, axis=-1):
    """Gated linear unit: split `x` in halves `a, b` along `axis`, return `a * sigmoid(b)`."""
    return F.glu(x, axis)


def sparsemax(x, axis=-1):
    """Euclidean projection of `x` onto the probability simplex along `axis` (Martins 2016)."""
    z, _ = torch.sort(x, dim=axis, descending=True)
    cumsum = torch.cumsum(z, dim=axis)
    shape = [1] * x.ndim
    shape[axis] = -1
    k = torch.arange(1, x.shape[axis] + 1, device=x.device, dtype=x.dtype).view(shape)
    support = z - (cumsum - 1) / k > 0
    k_max = support.sum(dim=axis, keepdim=True)
    tau = (torch.where(support, cumsum, 0.0).sum(dim=axis, keepdim=True) - 1) / k_max
    return torch.clamp(x - tau, min=0.0)


_BUILTINS = {
    fn.__name__: fn
    for fn in (
        relu, leaky_relu, relu6, sigmoid, tanh, softmax, log_softmax, linear, exponential,
        elu, selu, celu, softplus, softsign, silu, gelu, hard_sigmoid, hard_silu, hard_tanh,
        mish, log_sigmoid, tanh_shrink, soft_shrink, hard_shrink, threshold, squareplus,
        sparse_plus, sparse_sigmoid, glu, sparsemax,
    )
}
_ALIASES = {"swish": silu, "hard_swish": hard_silu}
_BY_NAME = {**_BUILTINS, **_ALIASES}
# Function objects are hashable, so a built-in is recognised by identity, not by __name__
# (a user function that happens to be called "relu" must not serialize as ours).
_NAME_OF = {fn: name for name, fn in _BUILTINS.items()}


def get(identifier):
    """Returns the activation function for `identifier`.

    Args:
        identifier: None (linear), a name such as "relu", a callable (returned as is), or a
            serialized dict: `{"class_name": "function", "config": "relu", ...}` as Keras 3
            writes it, or `{"class_name": "relu"}`.
    """
    if identifier is None:
        return linear
    if isinstance(identifier, str):
        fn = _BY_NAME.get(identifier)
        if fn is None:
            raise ValueError(
                f"Unknown activation {identifier!r}. Known activations: "
                f"{', '.join(sorted(_BY_NAME))}."
            )
        return fn
    if isinstance(identifier, dict):
        config = identifier.get("config")
        name = config if isinstance(config, str) else identifier.get("class_name")
        if isinstance(name, str):
            return get(name)
        raise ValueError(f"Could not interpret activation dict {identifier!r}.")
    if callable(identifier):
        return identifier
    raise ValueError(
        f"Could not interpret activation identifier {identifier!r}: expected None, a name, "
        "a callable or a dict."
    )


def deserialize(config, custom_objects=None):
    """Inverse of `serialize`: a name or dict back to a function; `custom_objects` maps
    names of user functions."""
    if custom_objects:
        name = config.get("config") if isinstance(config, dict) else config
        if isinstance(name, str) and name in custom_objects:
            return custom_objects[name]
    return get(config)


def serialize(activation):
    """Returns the Keras name of a built-in activation ("silu" for swish, as Keras 3 writes),
    `{"class_name", "config"}` for a callable object with `get_config`, else its `__name__`."""
    try:
        name = _NAME_OF.get(activation)
    except TypeError:  # an unhashable callable object cannot be one of ours
        name = None
    if name is not None:
        return name
    if hasattr(activation, "get_config"):
        return {"class_name": type(activation).__name__, "config": activation.get_config()}
    return getattr(activation, "__name__", type(activation).__name__)
