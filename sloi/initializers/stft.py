"""``STFT``: the kernel of a short-time Fourier transform as a convolution (Keras 3's
``keras.initializers.STFT``), and the window functions it tapers the kernel with.

Keras takes its windows from ``scipy.signal.get_window``; sloi computes the common ones
itself (same formulas, no SciPy): ``hann``, ``hamming``, ``blackman``, ``blackmanharris``,
``nuttall``, ``flattop``, ``boxcar``, ``bartlett``, ``triang``, ``cosine`` and their SciPy
aliases. Any other window can be given as an array of values.
"""

from __future__ import annotations

import numpy as np
import torch

from sloi.initializers.initializers import Initializer, _to_dtype, _to_shape

# SciPy's cosine-sum windows: w(n) = sum_k a_k cos(k x), x from -pi to pi
_COSINE_SUMS = {
    "hann": (0.5, 0.5),
    "hamming": (0.54, 0.46),
    "blackman": (0.42, 0.50, 0.08),
    "blackmanharris": (0.35875, 0.48829, 0.14128, 0.01168),
    "nuttall": (0.3635819, 0.4891775, 0.1365995, 0.0106411),
    "flattop": (0.21557895, 0.41663158, 0.277263158, 0.083578947, 0.006947368),
}
_ALIASES = {
    "han": "hann", "hamm": "hamming", "ham": "hamming", "black": "blackman",
    "blk": "blackman", "blackharr": "blackmanharris", "bkh": "blackmanharris",
    "nutl": "nuttall", "nut": "nuttall", "flat": "flattop", "flt": "flattop",
    "box": "boxcar", "ones": "boxcar", "rect": "boxcar", "rectangular": "boxcar",
    "bart": "bartlett", "brt": "bartlett", "triangle": "triang", "tri": "triang",
    "halfcosine": "cosine",
}
WINDOWS = tuple(_COSINE_SUMS) + ("boxcar", "bartlett", "triang", "cosine")


def window_name(name: str) -> str:
    """The canonical name of a window (``"rect"`` -> ``"boxcar"``); unknown names raise."""
    canonical = _ALIASES.get(name, name) if isinstance(name, str) else None
    if canonical not in WINDOWS:
        raise ValueError(f"Unknown window {name!r}; sloi computes {', '.join(WINDOWS)} (and "
                         "SciPy's aliases of them). Give other windows as an array of values")
    return canonical


def _symmetric(name: str, m: int) -> np.ndarray:
    if m <= 1:
        return np.ones(m)
    if name in _COSINE_SUMS:
        x = np.linspace(-np.pi, np.pi, m)
        return sum(a * np.cos(k * x) for k, a in enumerate(_COSINE_SUMS[name]))
    n = np.arange(m)
    if name == "boxcar":
        return np.ones(m)
    if name == "bartlett":
        return np.where(n <= (m - 1) / 2.0, 2.0 * n / (m - 1), 2.0 - 2.0 * n / (m - 1))
    if name == "cosine":
        return np.sin(np.pi / m * (n + 0.5))
    half = np.arange(1, (m + 1) // 2 + 1)  # triang
    if m % 2 == 0:
        w = (2 * half - 1.0) / m
        return np.concatenate([w, w[::-1]])
    w = 2 * half / (m + 1.0)
    return np.concatenate([w, w[-2::-1]])


def get_window(name: str, length: int, periodic: bool = False) -> np.ndarray:
    """A window of ``length`` values (float64), as ``scipy.signal.get_window(name, length,
    fftbins=periodic)``: symmetric, or periodic (one longer symmetric window, cut)."""
    name = window_name(name)
    if periodic and length > 1:
        return _symmetric(name, length + 1)[:-1]
    return _symmetric(name, length)


class STFT(Initializer):
    """Initializes a convolution kernel that computes the real or the imaginary part of a
    windowed discrete Fourier transform: a kernel of shape ``(frame_length, 1, bins)`` maps a
    frame of ``frame_length`` samples to ``bins = fft_length // 2 + 1`` frequencies.

    ``kernel[t, 0, f] = cos(-2 pi t f / fft_length) * window[t] / scale`` (``sin`` for the
    imaginary part), ``fft_length = 2 * (bins - 1)``.

    Args:
        side: ``"real"`` (cosines) or ``"imag"`` (sines).
        window: a window name (``"hann"``, ``"hamming"``, ... see the module docstring), an
            array of ``frame_length`` values, or None (no window).
        scaling: ``"density"`` (divide by the window's L2 norm), ``"spectrum"`` (by its L1
            norm) or None.
        periodic: use the periodic form of a named window.

    Example:
        >>> STFT("real", "hann")((256, 1, 129)).shape   # torch.Size([256, 1, 129])
    """

    def __init__(self, side="real", window="hann", scaling="density", periodic=False):
        if side not in ("real", "imag"):
            raise ValueError(f'STFT: `side` must be "real" or "imag"; got side={side!r}')
        if isinstance(window, str):
            window_name(window)
        if scaling is not None and scaling not in ("density", "spectrum"):
            raise ValueError(f'STFT: `scaling` must be None, "density" or "spectrum"; got '
                             f"scaling={scaling!r}")
        self.side = side
        self.window = window
        self.scaling = scaling
        self.periodic = periodic

    def __call__(self, shape, dtype=None):
        shape, dtype = _to_shape(shape), _to_dtype(dtype)
        if len(shape) != 3:
            raise ValueError(f"STFT fills kernels of shape (frame_length, 1, bins); got shape "
                             f"{shape}")
        frame_length, _, bins = shape
        window, scale = None, 1
        if self.window is not None:
            values = self.window
            if isinstance(values, str):
                values = get_window(values, frame_length, self.periodic)
            window = torch.as_tensor(np.asarray(values), dtype=dtype)
            if window.shape != (frame_length,):
                raise ValueError(f"STFT: the window must have frame_length={frame_length} "
                                 f"values; got shape {tuple(window.shape)}")
            window = window.reshape(frame_length, 1, 1)
            if self.scaling == "density":
                scale = torch.sqrt(torch.sum(window * window))
            elif self.scaling == "spectrum":
                scale = torch.sum(torch.abs(window))
        # the phase -2 pi t f / fft_length, computed in ``dtype`` step by step as Keras does,
        # so that float32 kernels agree to the bit
        freq = torch.arange(bins, dtype=dtype).reshape(1, 1, bins) / ((bins - 1) * 2)
        time = torch.arange(frame_length, dtype=dtype).reshape(frame_length, 1, 1)
        phase = (-2 * time) * freq * torch.arccos(torch.tensor(-1, dtype=dtype))
        kernel = torch.cos(phase) if self.side == "real" else torch.sin(phase)
        if window is not None:
            kernel = kernel * window / scale
        return kernel

    def get_config(self):
        window = self.window
        if isinstance(window, (np.ndarray, torch.Tensor)):
            window = window.tolist()
        return {"side": self.side, "window": window, "periodic": self.periodic,
                "scaling": self.scaling}


STFTInitializer = STFT
