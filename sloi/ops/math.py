"""``keras.ops`` math: special functions, reductions by segment, top-k, Fourier transforms and
short-time Fourier transforms, on torch tensors.

Each op follows Keras 3 on its torch backend: the same arguments, dtypes and numbers. Keras
passes complex values as ``(real, imag)`` pairs of float tensors (``fft``, ``stft``), and so
does sloi.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import axes as _axes
from sloi.ops.op_inputs import convert_to_tensor, dtype_name

__all__ = [
    "cdist", "erf", "erfc", "erfinv", "extract_sequences", "fft", "fft2", "ifft2", "in_top_k",
    "irfft", "istft", "logdet", "logsumexp", "rfft", "rsqrt", "segment_max", "segment_min",
    "segment_prod", "segment_sum", "stft", "top_k", "view_as_complex", "view_as_real",
]


# ============================================================================ segments
def _segment_reduce(op: str, data, segment_ids, num_segments, how: str, empty: float):
    """Reduce the rows of ``data`` that share a segment id with ``how`` (a
    ``scatter_reduce`` mode). Ids outside ``[0, num_segments)`` are dropped; a segment with no
    rows holds ``empty``. Computed in float32, returned in ``data``'s dtype, as Keras does."""
    data, segment_ids = convert_to_tensor(data), convert_to_tensor(segment_ids)
    if segment_ids.dim() != 1:
        raise ValueError(f"{op}: `segment_ids` must be 1-D; got shape "
                         f"{tuple(segment_ids.shape)}")
    if segment_ids.shape[0] != data.shape[0]:
        raise ValueError(f"{op}: `segment_ids` and `data` must have the same first axis; got "
                         f"{tuple(segment_ids.shape)} and {tuple(data.shape)}")
    if num_segments is None:
        if segment_ids.device.type == "meta":
            # shape inference of a graph: Keras leaves the size unknown (None); sloi can only
            # infer sizes that do not depend on values, so it asks instead of guessing
            raise ValueError(
                f"{op}: on functional-API tensors `num_segments` must be given (the number "
                "of segments depends on the values of `segment_ids`)")
        num_segments = int(segment_ids.max()) + 1
    ids = segment_ids.long()
    # one spare segment receives the dropped rows, and is cut off at the end
    ids = torch.where((ids >= 0) & (ids < num_segments), ids, num_segments)
    ids = ids.reshape((-1,) + (1,) * (data.dim() - 1)).expand(data.shape)
    result = torch.full((num_segments + 1,) + tuple(data.shape[1:]), empty,
                        dtype=torch.float32, device=data.device)
    result = result.scatter_reduce(0, ids, data.float(), how)
    return result[:-1].to(data.dtype)


@keras_op(module="math")
def segment_sum(data, segment_ids, num_segments=None, sorted=False):
    """Sum of the rows of ``data`` in each segment: ``out[s] = sum(data[i] for segment_ids[i]
    == s)``; ``num_segments`` defaults to ``max(segment_ids) + 1``."""
    return _segment_reduce("segment_sum", data, segment_ids, num_segments, "sum", 0.0)


@keras_op(module="math")
def segment_max(data, segment_ids, num_segments=None, sorted=False):
    """Maximum of the rows of ``data`` in each segment (-inf for an empty one)."""
    return _segment_reduce("segment_max", data, segment_ids, num_segments, "amax",
                           float("-inf"))


@keras_op(module="math")
def segment_min(data, segment_ids, num_segments=None, sorted=False):
    """Minimum of the rows of ``data`` in each segment (inf for an empty one)."""
    return _segment_reduce("segment_min", data, segment_ids, num_segments, "amin",
                           float("inf"))


@keras_op(module="math")
def segment_prod(data, segment_ids, num_segments=None, sorted=False):
    """Product of the rows of ``data`` in each segment (1 for an empty one)."""
    return _segment_reduce("segment_prod", data, segment_ids, num_segments, "prod", 1.0)


# ============================================================================ top k
@keras_op(module="math")
def top_k(x, k, sorted=True):
    """The ``k`` largest entries of ``x`` along its last axis and their indices:
    ``(values, indices)``."""
    values, indices = torch.topk(convert_to_tensor(x), k, sorted=sorted)
    return values, indices


@keras_op(module="math")
def in_top_k(targets, predictions, k):
    """Whether each class ``targets[i]`` is among the ``k`` highest ``predictions[i]``
    (ties count as in): bool ``(batch,)``."""
    targets = convert_to_tensor(targets).long()
    predictions = convert_to_tensor(predictions)
    kth_best = torch.topk(predictions, k).values[:, -1]
    target_scores = torch.take_along_dim(predictions, targets[:, None], dim=-1)[:, 0]
    return target_scores >= kth_best


# ============================================================================ reductions
@keras_op(module="math")
def logsumexp(x, axis=None, keepdims=False):
    """``log(sum(exp(x)))`` over ``axis`` (None: every axis), computed stably."""
    x = convert_to_tensor(x)
    dims = tuple(range(x.dim())) if axis is None else _axes(axis, x.dim())
    return torch.logsumexp(x, dim=dims, keepdim=keepdims)


@keras_op(module="math", class_name="CDist")
def cdist(x, y):
    """Euclidean distances between the rows of ``x (..., n, d)`` and of ``y (..., m, d)``:
    ``(..., n, m)``, leading axes broadcast."""
    x, y = convert_to_tensor(x), convert_to_tensor(y)
    if x.dim() < 2 or y.dim() < 2 or x.shape[-1] != y.shape[-1]:
        raise ValueError("cdist: `x` and `y` must have rank >= 2 and the same last axis; got "
                         f"{tuple(x.shape)} and {tuple(y.shape)}")
    difference = x.unsqueeze(-2) - y.unsqueeze(-3)
    return torch.sqrt(torch.sum(difference * difference, dim=-1))


@keras_op(module="math")
def extract_sequences(x, sequence_length, sequence_stride):
    """Frames of ``sequence_length`` samples every ``sequence_stride`` along the last axis:
    ``(..., samples)`` -> ``(..., frames, sequence_length)``."""
    return convert_to_tensor(x).unfold(-1, sequence_length, sequence_stride).contiguous()


# ============================================================================ Fourier
def _complex(op: str, x) -> torch.Tensor:
    if not isinstance(x, (tuple, list)) or len(x) != 2:
        raise ValueError(f"{op}: `x` must be a pair (real, imag) of float tensors; got "
                         f"{type(x).__name__}")
    real, imag = convert_to_tensor(x[0]), convert_to_tensor(x[1])
    if real.shape != imag.shape:
        raise ValueError(f"{op}: the real and imaginary parts must have the same shape; got "
                         f"{tuple(real.shape)} and {tuple(imag.shape)}")
    if not (real.is_floating_point() and imag.is_floating_point()):
        raise ValueError(f"{op}: the real and imaginary parts must be floats; got "
                         f"{dtype_name(real.dtype)} and {dtype_name(imag.dtype)}")
    return torch.complex(real, imag)


@keras_op(module="math", class_name="FFT")
def fft(x):
    """Discrete Fourier transform along the last axis of ``x = (real, imag)``; returns
    ``(real, imag)``."""
    y = torch.fft.fft(_complex("fft", x))
    return y.real, y.imag


@keras_op(module="math", class_name="FFT2")
def fft2(x):
    """2-D discrete Fourier transform over the last two axes of ``x = (real, imag)``."""
    y = torch.fft.fft2(_complex("fft2", x))
    return y.real, y.imag


@keras_op(module="math", class_name="IFFT2")
def ifft2(x):
    """Inverse 2-D discrete Fourier transform over the last two axes of ``x = (real,
    imag)``."""
    y = torch.fft.ifft2(_complex("ifft2", x))
    return y.real, y.imag


@keras_op(module="math", class_name="RFFT")
def rfft(x, fft_length=None):
    """Fourier transform of the real signal ``x`` along its last axis (padded or cut to
    ``fft_length``): the ``fft_length // 2 + 1`` non-redundant bins as ``(real, imag)``."""
    y = torch.fft.rfft(convert_to_tensor(x), n=fft_length, dim=-1)
    return y.real, y.imag


@keras_op(module="math", class_name="IRFFT")
def irfft(x, fft_length=None):
    """Inverse of ``rfft``: the real signal (``fft_length`` samples, by default
    ``2 * (bins - 1)``) whose transform is ``x = (real, imag)``."""
    return torch.fft.irfft(_complex("irfft", x), n=fft_length, dim=-1)


def _window(op: str, window, sequence_length: int, dtype, device):
    """The analysis window as a tensor: "hann", "hamming" (periodic), an array, or None
    (rectangular)."""
    if window is None:
        return torch.ones(sequence_length, dtype=dtype, device=device)
    if isinstance(window, str):
        makers = {"hann": torch.hann_window, "hamming": torch.hamming_window}
        if window not in makers:
            raise ValueError(f'{op}: `window` must be "hann", "hamming", an array or None; '
                             f"got {window!r}")
        return makers[window](sequence_length, periodic=True, dtype=dtype, device=device)
    win = convert_to_tensor(window).to(dtype=dtype, device=device)
    if win.shape != (sequence_length,):
        raise ValueError(f"{op}: `window` must have shape ({sequence_length},) "
                         f"(sequence_length); got {tuple(win.shape)}")
    return win


def _check_stride(op: str, sequence_stride):
    if not isinstance(sequence_stride, int) or sequence_stride <= 0:
        raise ValueError(f"{op}: `sequence_stride` must be a positive integer; got "
                         f"{sequence_stride!r}")


@keras_op(module="math", class_name="STFT")
def stft(x, sequence_length, sequence_stride, fft_length, window="hann", center=True):
    """Short-time Fourier transform along the last axis: windowed frames of
    ``sequence_length`` every ``sequence_stride`` samples, each ``rfft``-ed to ``fft_length``.
    ``center`` pads the signal by ``fft_length // 2`` on both sides (reflection).

    Returns ``(real, imag)``, each ``(..., frames, fft_length // 2 + 1)``.
    """
    _check_stride("stft", sequence_stride)
    x = convert_to_tensor(x)
    if x.dtype not in (torch.float32, torch.float64):
        raise TypeError(f"stft: `x` must be float32 or float64; got {dtype_name(x.dtype)}")
    if fft_length < sequence_length:
        raise ValueError(f"stft: `fft_length` ({fft_length}) must be at least "
                         f"`sequence_length` ({sequence_length})")
    win = _window("stft", window, sequence_length, x.dtype, x.device)
    batch_shape, samples = tuple(x.shape[:-1]), x.shape[-1]
    y = torch.stft(x.reshape(-1, samples), n_fft=fft_length, hop_length=sequence_stride,
                   win_length=sequence_length, window=win, center=center,
                   return_complex=True)
    y = y.reshape(batch_shape + tuple(y.shape[-2:])).transpose(-2, -1)
    return y.real, y.imag


@keras_op(module="math", class_name="ISTFT")
def istft(x, sequence_length, sequence_stride, fft_length, length=None, window="hann",
          center=True):
    """Inverse of ``stft``: every frame of ``x = (real, imag)`` ``irfft``-ed, windowed,
    overlap-added and divided by the summed squared window; ``length`` cuts the result."""
    _check_stride("istft", sequence_stride)
    spectrum = _complex("istft", x)
    dtype = spectrum.real.dtype
    win = _window("istft", window, sequence_length, dtype, spectrum.device)
    batch_shape = tuple(spectrum.shape[:-2])
    if sequence_length == fft_length and center and window is not None:
        frames = spectrum.reshape((-1,) + tuple(spectrum.shape[-2:])).transpose(-2, -1)
        y = torch.istft(frames, n_fft=fft_length, hop_length=sequence_stride,
                        win_length=sequence_length, window=win, center=True, length=length)
        return y.reshape(batch_shape + (y.shape[-1],))
    # torch.istft needs a centred, full-length window: overlap-add by hand otherwise
    frames = torch.fft.irfft(spectrum, n=fft_length, dim=-1)
    count = frames.shape[-2]
    if window is not None:
        left = (fft_length - sequence_length) // 2
        win = F.pad(win, (left, fft_length - sequence_length - left))
        # each sample's sum of squared windows over the frames that overlap it
        overlaps = -(-fft_length // sequence_stride)
        squares = F.pad(torch.square(win), (0, overlaps * sequence_stride - fft_length))
        norm = squares.reshape(overlaps, sequence_stride).sum(0).repeat(overlaps)
        frames = frames * (win / norm[:fft_length])
    if sequence_stride > fft_length:
        raise ValueError(f"istft: `sequence_stride` ({sequence_stride}) must be at most "
                         f"`fft_length` ({fft_length})")
    total = fft_length + sequence_stride * (count - 1)
    # overlap-add is col2im with 1 x fft_length blocks along one axis
    columns = frames.reshape(-1, count, fft_length).transpose(1, 2)
    signal = F.fold(columns, (1, total), (1, fft_length), stride=(1, sequence_stride))
    signal = signal.reshape(batch_shape + (total,))
    start = fft_length // 2 if center else 0
    if length is not None:
        end = start + length
    elif center:
        end = total - fft_length // 2
    else:
        end = total
    return signal[..., start:end]


# ============================================================================ special functions
@keras_op(module="math")
def rsqrt(x):
    """``1 / sqrt(x)``."""
    return torch.rsqrt(convert_to_tensor(x))


@keras_op(module="math")
def erf(x):
    """The error function ``2 / sqrt(pi) * integral from 0 to x of exp(-t**2) dt``."""
    return torch.erf(convert_to_tensor(x))


@keras_op(module="math")
def erfc(x):
    """The complementary error function ``1 - erf(x)``, accurate for large ``x``."""
    return torch.erfc(convert_to_tensor(x))


@keras_op(module="math")
def erfinv(x):
    """The inverse error function: ``y`` with ``erf(y) = x``, for ``x`` in ``(-1, 1)``."""
    return torch.erfinv(convert_to_tensor(x))


@keras_op(module="math")
def logdet(x):
    """``log(det(x))`` of square matrices ``(..., n, n)`` (NaN for a negative
    determinant)."""
    return torch.logdet(convert_to_tensor(x))


@keras_op(module="math")
def view_as_complex(x):
    """Pairs ``(..., 2)`` of (real, imag) as complex64 numbers ``(...)``."""
    x = convert_to_tensor(x)
    if x.dim() < 1 or x.shape[-1] != 2:
        raise ValueError("view_as_complex: the last axis of `x` must have size 2 (real, "
                         f"imag); got shape {tuple(x.shape)}")
    return torch.complex(x[..., 0].to(torch.float32), x[..., 1].to(torch.float32))


@keras_op(module="math")
def view_as_real(x):
    """Complex numbers ``(...)`` as ``(..., 2)`` pairs (real, imag)."""
    x = convert_to_tensor(x)
    if not x.is_complex():  # as in Keras on torch, which has no imaginary part of a real
        raise ValueError(f"view_as_real: `x` must be complex; got {dtype_name(x.dtype)}")
    return torch.stack((x.real, x.imag), dim=-1)
