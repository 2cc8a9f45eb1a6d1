"""Reductions and statistics: ``sum``, ``mean``, ``max``, ``argmax``, ``var``, ``quantile``,
their NaN-ignoring ``nan*`` twins, running ``cumsum`` / ``cumprod``, ``bincount``,
``histogram``, ...

``axis`` is None (every axis), an int or a sequence of ints, negatives allowed; ``keepdims``
keeps the reduced axes with length 1. Dtypes follow Keras 3 on its torch backend: ``sum`` and
``prod`` widen bools and small ints to int32, ``mean`` / ``var`` / ``quantile`` give float32
for ints and compute float16 in float32, ``argmax`` gives int32.

Where Keras's torch backend ignores ``keepdims`` for ``axis=None`` (``sum``, ``prod``,
``nanprod``, ``max``, ``min``, ``amax``, ``amin``, ``ptp``), sloi keeps the dimensions as
numpy and Keras's own ``compute_output_spec`` do: an argument sloi accepts is honoured.
"""

from __future__ import annotations

import builtins

import torch

from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import axes, convert_to_tensor, result_type, standardize_dtype

__all__ = [
    "all", "any", "amax", "amin", "argmax", "argmin", "average", "bincount", "corrcoef",
    "count_nonzero", "cumprod", "cumsum", "diff", "digitize", "histogram", "max", "mean",
    "median", "min", "nanargmax", "nanargmin", "nancumprod", "nancumsum", "nanmax", "nanmean",
    "nanmedian", "nanmin", "nanpercentile", "nanprod", "nanquantile", "nanstd", "nansum",
    "nanvar", "percentile", "prod", "ptp", "quantile", "std", "sum", "trapezoid", "var",
]

# Keras (after jax) sums and multiplies these in int32, so small ints do not overflow at once
_WIDENED_TO_INT32 = (torch.bool, torch.uint8, torch.int8, torch.int16)


def _no_axes(axis) -> bool:
    """``axis=()`` reduces over nothing (numpy); torch reads an empty dim list as *all*."""
    return isinstance(axis, (tuple, list)) and len(axis) == 0


def _keep_all(result: torch.Tensor, ndim: int) -> torch.Tensor:
    """A full reduction with ``keepdims``: a length-1 axis for each of the input's axes."""
    return result.reshape((1,) * ndim)


def _float_compute(x: torch.Tensor):
    """(the dtype to compute a mean-like statistic in, the dtype of its result): ints and
    bools give float32; float16 is computed in float32 and rounded back."""
    return result_type(x.dtype, "float32"), result_type(x.dtype, float)


# ---------------------------------------------------------------------------- sum, prod, mean
@keras_op
def sum(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Sum of the elements over ``axis``; bools and ints narrower than 32 bits sum in
    int32."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    dtype = torch.int32 if x.dtype in _WIDENED_TO_INT32 else x.dtype
    dim = axes(axis, x.ndim)
    if dim is None:
        out = torch.sum(x)
        return (_keep_all(out, x.ndim) if keepdims else out).to(dtype)
    return torch.sum(x, dim=dim, keepdim=keepdims).to(dtype)


@keras_op
def prod(x, axis=None, keepdims=False, dtype=None):
    """Product of the elements over ``axis``, in ``dtype`` (default: ``x``'s, with bools and
    small ints widened to int32)."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    if dtype is None:
        dtype = result_type(x.dtype)
        dtype = torch.int32 if dtype in _WIDENED_TO_INT32 else dtype
    else:
        dtype = standardize_dtype(dtype)
    # torch has no float16 product on the CPU: multiply in float32, round once at the end
    compute = torch.float32 if dtype == torch.float16 else dtype
    dim = axes(axis, x.ndim)
    if dim is None:
        out = torch.prod(x, dtype=compute)
        return (_keep_all(out, x.ndim) if keepdims else out).to(dtype)
    # torch.prod takes one axis at a time; the highest first so the others keep their index
    for d in sorted(dim, reverse=True):
        x = torch.prod(x, dim=d, keepdim=keepdims, dtype=compute)
    return x.to(dtype)


@keras_op
def mean(x, axis=None, keepdims=False):
    """Arithmetic mean over ``axis``; ints and bools give float32."""
    if isinstance(x, (list, tuple)):
        x = torch.stack([convert_to_tensor(v) for v in x])
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    compute, _ = _float_compute(x)
    # Keras keeps a float input's dtype, but computes float16 and float64 in float32
    out_dtype = x.dtype if x.is_floating_point() else compute
    x = x.to(compute)
    dim = axes(axis, x.ndim)
    out = torch.mean(x) if dim is None else torch.mean(x, dim=dim, keepdim=keepdims)
    if dim is None and keepdims:
        out = _keep_all(out, x.ndim)
    return out.to(out_dtype)


@keras_op
def average(x, axis=None, weights=None):
    """Weighted mean over ``axis`` (one axis or all): ``sum(x * w) / sum(w)``. ``weights``
    has ``x``'s shape, or is 1-D with the length of ``axis``; without weights, the mean."""
    x = convert_to_tensor(x)
    dtypes = [x.dtype, float]
    if weights is not None:
        weights = convert_to_tensor(weights)
        dtypes.append(weights.dtype)
    dtype = result_type(*dtypes)
    x = x.to(dtype)
    if _no_axes(axis):
        return x
    if weights is None:
        return torch.mean(x) if axis is None else torch.mean(x, dim=axes(axis, x.ndim))
    weights = weights.to(dtype)
    if axis is None:
        if weights.shape != x.shape:
            raise ValueError(
                f"average: with axis=None, weights must have x's shape {tuple(x.shape)}; got "
                f"weights of shape {tuple(weights.shape)}")
        return torch.sum(x * weights) / torch.sum(weights)
    dim = axes(axis, x.ndim)
    if len(dim) != 1:
        raise ValueError(f"average: weights take one axis (or None); got axis={axis}")
    (a,) = dim
    if weights.ndim == 1 and x.ndim > 1:
        if weights.shape[0] != x.shape[a]:
            raise ValueError(
                f"average: 1-D weights must have the length of axis {axis} of x "
                f"(shape {tuple(x.shape)}); got weights of shape {tuple(weights.shape)}")
        # lay the weights along `axis` so they broadcast against x
        weights = weights.reshape([-1 if i == a else 1 for i in range(x.ndim)])
    return torch.sum(x * weights, dim=a) / torch.sum(weights.expand_as(x), dim=a)


# ---------------------------------------------------------------------------- extremes
def _extreme(x, axis, keepdims, reduce_all, reduce_dims):
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    dim = axes(axis, x.ndim)
    if dim is None:
        out = reduce_all(x)
        return _keep_all(out, x.ndim) if keepdims else out
    return reduce_dims(x, dim=dim, keepdim=keepdims)


@keras_op
def amax(x, axis=None, keepdims=False):
    """Largest element over ``axis`` (NaN if any is NaN)."""
    return _extreme(x, axis, keepdims, torch.amax, torch.amax)


@keras_op
def amin(x, axis=None, keepdims=False):
    """Smallest element over ``axis`` (NaN if any is NaN)."""
    return _extreme(x, axis, keepdims, torch.amin, torch.amin)


def _with_initial(x, axis, keepdims, initial, reduce, combine, what):
    x = convert_to_tensor(x)
    if x.numel() == 0:
        if initial is None:
            raise ValueError(f"Cannot compute the {what} of an empty tensor.")
        return torch.full((1,) * x.ndim if keepdims else (), initial)
    out = reduce(x, axis=axis, keepdims=keepdims)
    if initial is not None:
        out = combine(out, torch.full(out.shape, initial, dtype=out.dtype))
    return out


@keras_op
def max(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """Largest element over ``axis``, at least ``initial`` when given (which also answers
    for an empty ``x``)."""
    return _with_initial(x, axis, keepdims, initial, amax, torch.maximum, "max")


@keras_op
def min(x, axis=None, keepdims=False, initial=None):  # noqa: A001 - Keras's name
    """Smallest element over ``axis``, at most ``initial`` when given (which also answers
    for an empty ``x``)."""
    return _with_initial(x, axis, keepdims, initial, amin, torch.minimum, "min")


@keras_op
def ptp(x, axis=None, keepdims=False):
    """Range of the elements over ``axis``: ``max - min``."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return torch.zeros_like(x)
    return amax(x, axis, keepdims) - amin(x, axis, keepdims)


def _arg_extreme(x, axis, keepdims, fn):
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)  # torch finds no maximum of bools
    return fn(x, dim=axis, keepdim=keepdims).to(torch.int32)


@keras_op
def argmax(x, axis=None, keepdims=False):
    """Index (int32) of the largest element over ``axis``, of the flattened ``x`` for None;
    the first one on ties."""
    return _arg_extreme(x, axis, keepdims, torch.argmax)


@keras_op
def argmin(x, axis=None, keepdims=False):
    """Index (int32) of the smallest element over ``axis``, of the flattened ``x`` for None;
    the first one on ties."""
    return _arg_extreme(x, axis, keepdims, torch.argmin)


def _truth_reduce(x, axis, keepdims, fn):
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x.to(torch.bool)
    return fn(x, dim=axes(axis, x.ndim), keepdim=keepdims).to(torch.bool)


@keras_op
def all(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Whether every element over ``axis`` is true (nonzero); bool."""
    return _truth_reduce(x, axis, keepdims, torch.all)


@keras_op
def any(x, axis=None, keepdims=False):  # noqa: A001 - Keras's name
    """Whether any element over ``axis`` is true (nonzero); bool."""
    return _truth_reduce(x, axis, keepdims, torch.any)


@keras_op
def count_nonzero(x, axis=None):
    """Number (int32) of nonzero elements over ``axis``."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return torch.ne(x, 0).to(torch.int32)
    return torch.count_nonzero(x, dim=axes(axis, x.ndim)).to(torch.int32)


# ---------------------------------------------------------------------------- spread
@keras_op
def var(x, axis=None, keepdims=False):
    """Variance over ``axis``: mean of squared deviations (divides by N, as numpy)."""
    x = convert_to_tensor(x)
    compute, out_dtype = _float_compute(x)
    if _no_axes(axis):
        return torch.zeros_like(x, dtype=out_dtype)
    out = torch.var(x.to(compute), dim=axes(axis, x.ndim), keepdim=keepdims, correction=0)
    return out.to(out_dtype)


@keras_op
def std(x, axis=None, keepdims=False):
    """Standard deviation over ``axis`` (divides by N, as numpy)."""
    x = convert_to_tensor(x)
    if not (x.is_floating_point() or x.is_complex()):
        x = x.float()
    return torch.std(x, dim=axes(axis, x.ndim), keepdim=keepdims, correction=0)


@keras_op
def corrcoef(x):
    """Pearson correlation coefficients of the rows of ``x`` (variables by observations)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.float()
    elif x.dtype == torch.int64:
        x = x.double()
    return torch.corrcoef(x)


# ---------------------------------------------------------------------------- order statistics
def _quantile(x, q, axis, method, keepdims, torch_fn):
    """``torch_fn`` (``torch.quantile`` / ``nanquantile``) over one or several axes: the
    reduced axes are moved last and flattened into one, which torch reduces."""
    x = convert_to_tensor(x)
    compute, out_dtype = _float_compute(x)
    x = x.to(compute)
    q = convert_to_tensor(q).to(compute)
    dim = axes(axis, x.ndim)
    if dim is None:
        flat = x.reshape(-1)
    else:
        kept = [d for d in range(x.ndim) if d not in dim]
        flat = x.permute(*kept, *dim).reshape(*[x.shape[d] for d in kept], -1)
    out = torch_fn(flat, q, dim=-1, interpolation=method)
    if keepdims and dim is None:
        out = out.reshape(*out.shape, *(1,) * x.ndim)
    elif keepdims:
        # the reduced axes come back with length 1, after q's own axis (if q is a vector)
        for d in sorted(dim):
            out = out.unsqueeze(d + q.ndim)
    return out.to(out_dtype)


@keras_op
def quantile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th quantile(s) (``q`` in ``[0, 1]``, a number or a 1-D tensor) over
    ``axis``; ``method`` interpolates between data points: ``"linear"``, ``"lower"``,
    ``"higher"``, ``"midpoint"`` or ``"nearest"``. A 1-D ``q`` adds a leading axis."""
    return _quantile(x, q, axis, method, keepdims, torch.quantile)


@keras_op
def nanquantile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`quantile` ignoring NaNs (NaN where a slice is all NaN)."""
    return _quantile(x, q, axis, method, keepdims, torch.nanquantile)


@keras_op
def percentile(x, q, axis=None, method="linear", keepdims=False):
    """The ``q``-th percentile(s) (``q`` in ``[0, 100]``) over ``axis``; see
    :func:`quantile`."""
    q = convert_to_tensor(q, torch.float32) / 100.0
    return _quantile(x, q, axis, method, keepdims, torch.quantile)


@keras_op
def nanpercentile(x, q, axis=None, method="linear", keepdims=False):
    """:func:`percentile` ignoring NaNs."""
    q = convert_to_tensor(q, torch.float32) / 100.0
    return _quantile(x, q, axis, method, keepdims, torch.nanquantile)


@keras_op
def median(x, axis=None, keepdims=False):
    """Median over ``axis``: the middle value, or the mean of the two middle values (as
    numpy; ``torch.median`` would take the lower one). Float result."""
    return _quantile(x, 0.5, axis, "linear", keepdims, torch.quantile)


@keras_op
def nanmedian(x, axis=None, keepdims=False):
    """:func:`median` ignoring NaNs."""
    if _no_axes(axis):
        return convert_to_tensor(x)
    return _quantile(x, 0.5, axis, "linear", keepdims, torch.nanquantile)


# ---------------------------------------------------------------------------- NaN-ignoring
def _all_nan(x, axis, keepdims):
    return torch.isnan(x).all(dim=axes(axis, x.ndim), keepdim=keepdims)


@keras_op
def nansum(x, axis=None, keepdims=False):
    """:func:`sum` counting NaNs as 0."""
    if isinstance(x, (list, tuple)):
        x = torch.stack([convert_to_tensor(v) for v in x])
    x = convert_to_tensor(x)
    dtype = torch.int32 if x.dtype in _WIDENED_TO_INT32 else x.dtype
    if _no_axes(axis):
        return torch.nan_to_num(x, nan=0).to(dtype)
    return torch.nansum(x, dim=axes(axis, x.ndim), keepdim=keepdims).to(dtype)


@keras_op
def nanprod(x, axis=None, keepdims=False):
    """:func:`prod` counting NaNs as 1."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return torch.nan_to_num(x, nan=1)
    if x.is_floating_point():
        x = torch.where(torch.isnan(x), torch.ones((), dtype=x.dtype), x)
    return prod(x, axis=axis, keepdims=keepdims)


@keras_op
def nanmean(x, axis=None, keepdims=False):
    """:func:`mean` of the non-NaN elements (NaN where a slice is all NaN)."""
    x = convert_to_tensor(x)
    if _no_axes(axis):
        return x
    x = x.to(result_type(x.dtype, float))
    return torch.nanmean(x, dim=axes(axis, x.ndim), keepdim=keepdims)


@keras_op
def nanvar(x, axis=None, keepdims=False):
    """:func:`var` of the non-NaN elements (divides by their count)."""
    x = convert_to_tensor(x)
    x = x.to(result_type(x.dtype, float))
    if _no_axes(axis):
        return torch.where(torch.isnan(x), x, torch.zeros((), dtype=x.dtype))
    dim = axes(axis, x.ndim)
    valid = ~torch.isnan(x)
    centered = torch.where(valid, x - nanmean(x, axis=axis, keepdims=True), 0)
    squares = centered.abs().square() if centered.is_complex() else centered.square()
    return squares.sum(dim=dim, keepdim=keepdims) / valid.sum(dim=dim, keepdim=keepdims)


@keras_op
def nanstd(x, axis=None, keepdims=False):
    """:func:`std` of the non-NaN elements."""
    return torch.sqrt(nanvar(x, axis=axis, keepdims=keepdims))


def _nan_extreme(x, axis, keepdims, fill, reduce):
    x = convert_to_tensor(x)
    if not x.is_floating_point():
        return reduce(x, axis, keepdims)
    if _no_axes(axis):
        return x
    out = reduce(torch.where(torch.isnan(x), fill, x), axis, keepdims)
    return torch.where(_all_nan(x, axis, keepdims), torch.nan, out)


@keras_op
def nanmax(x, axis=None, keepdims=False):
    """:func:`amax` of the non-NaN elements (NaN where a slice is all NaN)."""
    return _nan_extreme(x, axis, keepdims, -torch.inf, amax)


@keras_op
def nanmin(x, axis=None, keepdims=False):
    """:func:`amin` of the non-NaN elements (NaN where a slice is all NaN)."""
    return _nan_extreme(x, axis, keepdims, torch.inf, amin)


def _nan_arg_extreme(x, axis, keepdims, fill, reduce):
    x = convert_to_tensor(x)
    if not x.is_floating_point():
        return reduce(x, axis, keepdims)
    out = reduce(torch.where(torch.isnan(x), fill, x), axis, keepdims)
    return torch.where(_all_nan(x, axis, keepdims), -1, out).to(torch.int32)


@keras_op
def nanargmax(x, axis=None, keepdims=False):
    """:func:`argmax` ignoring NaNs; -1 where a slice is all NaN."""
    return _nan_arg_extreme(x, axis, keepdims, -torch.inf, argmax)


@keras_op
def nanargmin(x, axis=None, keepdims=False):
    """:func:`argmin` ignoring NaNs; -1 where a slice is all NaN."""
    return _nan_arg_extreme(x, axis, keepdims, torch.inf, argmin)


# ---------------------------------------------------------------------------- running totals
def _running(fn, x, axis, dtype):
    x = convert_to_tensor(x)
    if axis is None:
        x, axis = x.reshape(-1), 0
    dtype = result_type(x.dtype if dtype is None else standardize_dtype(dtype))
    if dtype == torch.bool:
        dtype = torch.int32
    if dtype == torch.float16:
        # no float16 cumsum / cumprod on torch's CPU: accumulate in float32
        return fn(x, dim=axis, dtype=torch.float32).half()
    return fn(x, dim=axis, dtype=dtype)


@keras_op
def cumsum(x, axis=None, dtype=None):
    """Running sum along ``axis`` (of the flattened ``x`` for None), in ``dtype``."""
    return _running(torch.cumsum, x, axis, dtype)


@keras_op
def cumprod(x, axis=None, dtype=None):
    """Running product along ``axis`` (of the flattened ``x`` for None), in ``dtype``."""
    return _running(torch.cumprod, x, axis, dtype)


@keras_op
def nancumsum(x, axis=None, dtype=None):
    """:func:`cumsum` counting NaNs as 0."""
    return _running(torch.cumsum, torch.nan_to_num(convert_to_tensor(x)), axis, dtype)


@keras_op
def nancumprod(x, axis=None, dtype=None):
    """:func:`cumprod` counting NaNs as 1."""
    return _running(torch.cumprod, torch.nan_to_num(convert_to_tensor(x), nan=1.0), axis,
                    dtype)


@keras_op
def diff(a, n=1, axis=-1):
    """``n``-th discrete difference along ``axis``: ``a[1:] - a[:-1]``, ``n`` times."""
    return torch.diff(convert_to_tensor(a), n=n, dim=axis)


@keras_op
def trapezoid(y, x=None, dx=1.0, axis=-1):
    """Integral of ``y`` along ``axis`` by the trapezoidal rule, at sample points ``x`` or
    spaced ``dx`` apart."""
    y = convert_to_tensor(y)
    if y.dtype == torch.bool:
        y = y.float()
    if x is not None:
        return torch.trapezoid(y, convert_to_tensor(x), dim=axis)
    return torch.trapezoid(y, dx=convert_to_tensor(dx), dim=axis)


# ---------------------------------------------------------------------------- counting, bins
# the number of bins follows the largest value: unknown until the data come
@keras_op(unknown_axes=lambda i, args, kwargs: {len(args[0].shape) - 1})
def bincount(x, weights=None, minlength=0, sparse=False):
    """Number of occurrences of each value ``0 .. max(x)`` of the non-negative ints ``x``
    (at least ``minlength`` bins), or the sum of their ``weights``; a 2-D ``x`` counts each
    row."""
    if sparse:
        raise ValueError("bincount: sparse=True is not supported (torch has no sparse "
                         "bincount); pass sparse=False")
    x = convert_to_tensor(x)
    if weights is not None:
        weights = convert_to_tensor(weights)
        dtype = result_type(x.dtype, weights.dtype)
    else:
        dtype = torch.int32
    if x.ndim == 2:
        # every row gets the same number of bins, the longest row's
        length = builtins.max(minlength, int(x.max()) + 1 if x.numel() else 0)
        rows = [torch.bincount(row, None if weights is None else w, length)
                for row, w in zip(x, weights if weights is not None else x)]
        return torch.stack(rows).to(dtype)
    return torch.bincount(x, weights, minlength).to(dtype)


@keras_op
def digitize(x, bins):
    """Index (int32) of the bin each element falls in: ``i`` with ``bins[i-1] <= x <
    bins[i]`` for increasing ``bins``."""
    x, bins = convert_to_tensor(x), convert_to_tensor(bins)
    if x.dtype == torch.bool:
        x = x.to(torch.uint8)
    return torch.bucketize(x, bins, right=True).to(torch.int32)


@keras_op
def histogram(x, bins=10, range=None):  # noqa: A002 - Keras's name
    """Counts of the 1-D ``x`` in ``bins`` equal bins over ``range`` (default ``(min(x),
    max(x))``); returns ``(counts, bin_edges)``."""
    if not isinstance(bins, int):
        raise TypeError(f"histogram: bins must be an int; got bins={bins!r}")
    if bins < 0:
        raise ValueError(f"histogram: bins must be a non-negative int; got bins={bins}")
    if range:
        if not isinstance(range, tuple) or len(range) < 2:
            raise ValueError(f"histogram: range must be a tuple of two elements; got {range!r}")
        if range[1] < range[0]:
            raise ValueError(f"histogram: range must be (low, high) with low <= high; got "
                             f"{range!r}")
    x = convert_to_tensor(x)
    if x.ndim > 1:
        raise ValueError(f"histogram: x must be 1-dimensional; got shape {tuple(x.shape)}")
    counts, edges = torch.histogram(x, bins=bins, range=range)
    return counts, edges

