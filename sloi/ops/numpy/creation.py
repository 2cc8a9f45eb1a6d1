"""Making tensors: ranges, constants, identity and triangular matrices, windows, and the
``*_like`` family.

Keras's dtype rules: a missing ``dtype`` is float32 for shapes (``ones``, ``eye``), the input's
dtype for ``*_like``, and the Keras promotion of the Python or tensor endpoints for ranges
(``arange(5)`` is int32, ``linspace(0, 1)`` float32).
"""

from __future__ import annotations

import torch

from sloi.engine.dtypes import result_type
from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import convert_to_tensor, standardize_dtype

__all__ = [
    "arange", "array", "bartlett", "blackman", "diag", "diagflat", "diagonal", "empty",
    "empty_like", "eye", "full", "full_like", "geomspace", "hamming", "hanning", "identity",
    "kaiser", "linspace", "logspace", "meshgrid", "ones", "ones_like", "tri", "tril", "triu",
    "vander", "zeros", "zeros_like",
]


def _dtype_of(x):
    """What Keras's promotion sees for ``x``: its dtype, or its Python type."""
    return getattr(x, "dtype", type(x))


def _shape(shape) -> tuple:
    return (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)


# ---------------------------------------------------------------------------- ranges
@keras_op
def arange(start, stop=None, step=None, dtype=None):
    """Evenly spaced values in ``[start, stop)`` (``[0, start)`` when ``stop`` is None)."""
    if dtype is None:
        dtype = result_type(*[_dtype_of(v) for v in (start, stop, step) if v is not None])
    if stop is None:
        start, stop = 0, start
    return torch.arange(start, stop, 1 if step is None else step,
                        dtype=standardize_dtype(dtype))


def _range_dtype(start, stop, dtype):
    # the endpoints' promotion with a Python float: integers give float32
    if dtype is None:
        return result_type(_dtype_of(start), _dtype_of(stop), float)
    return standardize_dtype(dtype)


def _is_array(x) -> bool:
    return hasattr(x, "__len__") or getattr(x, "ndim", 0) > 0


def _interpolate(start, stop, num, endpoint, dtype):
    """``num`` points from ``start`` to ``stop`` along a new first axis; array endpoints
    give one range per element."""
    if _is_array(start) or _is_array(stop):
        start = convert_to_tensor(start, dtype)
        stop = convert_to_tensor(stop, dtype)
        divisor = (num - 1) if endpoint else num
        steps = torch.arange(num, dtype=dtype, device=start.device) / divisor
        steps = steps.reshape((num,) + (1,) * max(start.ndim, stop.ndim))
        return start[None] + steps * (stop - start)[None]
    start, stop = float(start), float(stop)
    if not endpoint and num > 0:
        stop = stop - (stop - start) / num
    return torch.linspace(start, stop, num, dtype=dtype)


def _to_axis(result: torch.Tensor, axis: int) -> torch.Tensor:
    return result if axis == 0 else torch.movedim(result, 0, axis)


@keras_op
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0):
    """``num`` evenly spaced values from ``start`` to ``stop`` (``stop`` left out unless
    ``endpoint``); with ``retstep`` also the spacing."""
    dtype = _range_dtype(start, stop, dtype)
    result = _to_axis(_interpolate(start, stop, num, endpoint, dtype), axis)
    if not retstep:
        return result
    divisor = (num - 1) if endpoint else num
    start_t, stop_t = convert_to_tensor(start, dtype), convert_to_tensor(stop, dtype)
    step = (stop_t - start_t) / divisor if divisor > 0 else torch.full_like(
        stop_t - start_t, float("nan"))
    return result, step


@keras_op
def logspace(start, stop, num=50, endpoint=True, base=10, dtype=None, axis=0):
    """``base ** linspace(start, stop, num)``: values evenly spaced on a log scale."""
    dtype = _range_dtype(start, stop, dtype)
    # torch computes small floats' powers poorly on the CPU: compute in float32 at least
    compute = torch.float32 if dtype in (torch.float16, torch.bfloat16) else dtype
    if _is_array(start) or _is_array(stop):
        exponents = _interpolate(start, stop, num, endpoint, compute)
        result = torch.pow(torch.tensor(base, dtype=exponents.dtype), exponents)
    else:
        start, stop = float(start), float(stop)
        if not endpoint:
            stop = stop - (stop - start) / num
        result = torch.logspace(start, stop, num, base=base, dtype=compute)
    return _to_axis(result.to(dtype), axis)


@keras_op
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``num`` values from ``start`` to ``stop`` in geometric progression (a constant
    ratio)."""
    dtype = _range_dtype(start, stop, dtype)
    start_t, stop_t = convert_to_tensor(start, dtype), convert_to_tensor(stop, dtype)
    log_start, log_stop = torch.log10(start_t.abs()), torch.log10(stop_t.abs())
    if start_t.ndim == 0 and stop_t.ndim == 0:
        log_start, log_stop = log_start.item(), log_stop.item()
    result = logspace(log_start, log_stop, num=num, endpoint=endpoint, base=10, dtype=dtype)
    return _to_axis(result * torch.sign(start_t), axis)


@keras_op
def meshgrid(*x, indexing="xy"):
    """Coordinate grids from 1-D coordinate vectors (``"xy"``: Cartesian, ``"ij"``: matrix
    indexing); each grid keeps its vector's dtype."""
    if indexing not in ("xy", "ij"):
        raise ValueError(f'meshgrid: indexing must be "xy" or "ij"; got {indexing!r}')
    vectors = [convert_to_tensor(v).reshape(-1) for v in x]
    positions = list(range(len(vectors)))
    if indexing == "xy" and len(vectors) > 1:
        positions[0], positions[1] = 1, 0  # Cartesian: the first vector runs along columns
    shape = [0] * len(vectors)
    for v, p in zip(vectors, positions):
        shape[p] = v.shape[0]
    grids = []
    for v, p in zip(vectors, positions):
        view = [1] * len(vectors)
        view[p] = -1
        grids.append(v.reshape(view).expand(shape))
    return grids


# ---------------------------------------------------------------------------- constants
@keras_op
def array(x, dtype=None):
    """``x`` as a tensor (of ``dtype`` when given)."""
    return convert_to_tensor(x, dtype)


@keras_op
def empty(shape, dtype=None):
    """An uninitialised tensor of ``shape`` (float32 unless ``dtype``)."""
    return torch.empty(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def zeros(shape, dtype=None):
    """A tensor of ``shape`` filled with 0 (float32 unless ``dtype``)."""
    return torch.zeros(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def ones(shape, dtype=None):
    """A tensor of ``shape`` filled with 1 (float32 unless ``dtype``)."""
    return torch.ones(_shape(shape), dtype=standardize_dtype(dtype))


@keras_op
def full(shape, fill_value, dtype=None):
    """A tensor of ``shape`` filled with ``fill_value`` (a scalar, or an array broadcast over
    the leading axes); float32 unless ``dtype``."""
    dtype = standardize_dtype(dtype)
    fill = convert_to_tensor(fill_value, dtype)
    return torch.broadcast_to(fill, _shape(shape)).clone()


def _like_dtype(x: torch.Tensor, dtype):
    return x.dtype if dtype is None else standardize_dtype(dtype)


@keras_op
def empty_like(x, dtype=None):
    """An uninitialised tensor of ``x``'s shape (and dtype unless ``dtype``)."""
    x = convert_to_tensor(x)
    return torch.empty_like(x, dtype=_like_dtype(x, dtype))


@keras_op
def zeros_like(x, dtype=None):
    """Zeros of ``x``'s shape (and dtype unless ``dtype``)."""
    x = convert_to_tensor(x)
    return torch.zeros_like(x, dtype=_like_dtype(x, dtype))


@keras_op
def ones_like(x, dtype=None):
    """Ones of ``x``'s shape (and dtype unless ``dtype``)."""
    x = convert_to_tensor(x)
    return torch.ones_like(x, dtype=_like_dtype(x, dtype))


@keras_op
def full_like(x, fill_value, dtype=None):
    """``fill_value`` in a tensor of ``x``'s shape (and dtype unless ``dtype``)."""
    x = convert_to_tensor(x)
    return full(tuple(x.shape), fill_value, dtype=_like_dtype(x, dtype))


# ---------------------------------------------------------------------------- matrices
@keras_op
def eye(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    """An ``N x M`` matrix with ones on the ``k``-th diagonal (float32 unless ``dtype``)."""
    M = N if M is None else M  # noqa: N806
    rows = torch.arange(N).unsqueeze(1)
    cols = torch.arange(M).unsqueeze(0)
    return (cols - rows == (k or 0)).to(standardize_dtype(dtype))


@keras_op
def identity(n, dtype=None):
    """The ``n x n`` identity matrix (float32 unless ``dtype``)."""
    return torch.eye(n, dtype=torch.float32).to(standardize_dtype(dtype))


@keras_op
def tri(N, M=None, k=0, dtype=None):  # noqa: N803 - Keras's names
    """An ``N x M`` matrix with ones at and below the ``k``-th diagonal."""
    M = M or N  # noqa: N806 - Keras treats M=0 as "square", too
    return torch.tril(torch.ones((N, M), dtype=standardize_dtype(dtype)), diagonal=k)


@keras_op
def tril(x, k=0):
    """``x`` with the elements above the ``k``-th diagonal zeroed (last two axes)."""
    return torch.tril(convert_to_tensor(x), diagonal=k)


@keras_op
def triu(x, k=0):
    """``x`` with the elements below the ``k``-th diagonal zeroed (last two axes)."""
    return torch.triu(convert_to_tensor(x), diagonal=k)


@keras_op
def diag(x, k=0):
    """The ``k``-th diagonal of a matrix, or a matrix with a vector on its ``k``-th
    diagonal."""
    x = convert_to_tensor(x)
    if x.ndim not in (1, 2):
        raise ValueError(f"diag expects a 1-D or 2-D input; got shape {tuple(x.shape)}")
    return torch.diag(x, diagonal=k)


@keras_op
def diagflat(x, k=0):
    """A matrix with the flattened ``x`` on its ``k``-th diagonal."""
    return torch.diagflat(convert_to_tensor(x), offset=k)


@keras_op
def diagonal(x, offset=0, axis1=0, axis2=1):
    """The diagonal at ``offset`` of the planes given by ``axis1`` and ``axis2``, as the last
    axis."""
    return torch.diagonal(convert_to_tensor(x), offset=offset, dim1=axis1, dim2=axis2)


@keras_op
def vander(x, N=None, increasing=False):  # noqa: N803 - Keras's name
    """The Vandermonde matrix of the 1-D ``x``: columns are powers of ``x`` (decreasing
    unless ``increasing``)."""
    x = convert_to_tensor(x)
    if x.ndim != 1:
        raise ValueError(f"vander expects a 1-D input; got shape {tuple(x.shape)}")
    return torch.vander(x, N=N, increasing=increasing).to(result_type(x.dtype))


# ---------------------------------------------------------------------------- windows
def _window_length(x) -> int:
    return int(convert_to_tensor(x).item())


@keras_op
def bartlett(x):
    """The Bartlett (triangular) window of ``x`` points."""
    return torch.signal.windows.bartlett(_window_length(x), dtype=torch.float32)


@keras_op
def blackman(x):
    """The Blackman window of ``x`` points."""
    return torch.signal.windows.blackman(_window_length(x), dtype=torch.float32)


@keras_op
def hamming(x):
    """The Hamming window of ``x`` points."""
    return torch.signal.windows.hamming(_window_length(x), dtype=torch.float32)


@keras_op
def hanning(x):
    """The Hann window of ``x`` points."""
    return torch.signal.windows.hann(_window_length(x), dtype=torch.float32)


@keras_op
def kaiser(x, beta):
    """The Kaiser window of ``x`` points with shape parameter ``beta``."""
    return torch.signal.windows.kaiser(_window_length(x), beta=float(beta),
                                       dtype=torch.float32)
