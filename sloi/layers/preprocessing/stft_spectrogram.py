"""``STFTSpectrogram``: spectrograms of 1-D signals by a short-time Fourier transform written
as a convolution whose kernels are the (trainable) DFT basis, as in Keras 3."""

from __future__ import annotations

import math
import warnings

import torch

from sloi.engine import InputSpec, Layer
from sloi.initializers import STFT
from sloi.kernels import conv as conv_ops
from sloi.settings import epsilon as backend_epsilon

_MODES = ("log", "magnitude", "psd", "real", "imag", "angle", "stft")


class STFTSpectrogram(Layer):
    """Computes a spectrogram of each channel of a signal.

    Each frame of ``frame_length`` samples, ``frame_step`` apart, is windowed and Fourier
    transformed by a 1-D convolution with two kernels, ``real_kernel`` and ``imag_kernel``
    (shape ``(frame_length, 1, fft_length // 2 + 1)``, filled by the ``STFT`` initializer and
    trainable, as in Keras).

    Args:
        mode: what to return per frequency: ``"log"`` (default, log magnitude),
            ``"magnitude"``, ``"psd"`` (power spectral density, one-sided), ``"real"``,
            ``"imag"``, ``"angle"`` (phase) or ``"stft"`` (real parts then imaginary parts).
        frame_length: samples per frame (the window size).
        frame_step: samples between frames (default ``frame_length // 2``).
        fft_length: FFT size, ``>= frame_length`` (default: the next power of two).
        window: a window name (``"hann"`` default, ``"hamming"``, ...), an array of
            ``frame_length`` values, or None.
        periodic: use the periodic form of the window.
        scaling: ``"density"`` (default), ``"spectrum"`` or None: how the window is
            normalized.
        padding: ``"valid"`` (default; frames inside the signal) or ``"same"``.
        expand_dims: keep frequencies and channels on separate axes.
        data_format: ``"channels_last"`` (inputs ``(batch, time, channels)``) or
            ``"channels_first"`` (``(batch, channels, time)``).

    Output shape: ``channels_last``: ``(batch, frames, channels * bins)``, or ``(batch,
    frames, bins, channels)`` with ``expand_dims``; ``channels_first``: ``(batch, channels *
    bins, frames)`` or ``(batch, channels, frames, bins)``. ``bins = fft_length // 2 + 1``
    (twice that in ``"stft"`` mode).
    """

    keeps_integer_inputs = True  # as Keras: integer signals are refused, not cast

    def __init__(self, mode="log", frame_length=256, frame_step=None, fft_length=None,
                 window="hann", periodic=False, scaling="density", padding="valid",
                 expand_dims=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f'Layer "{self.name}" (STFTSpectrogram)'
        if isinstance(frame_length, bool) or not isinstance(frame_length, int) or (
                frame_length < 1):
            raise ValueError(f"{where}: `frame_length` must be a positive integer; got "
                             f"frame_length={frame_length!r}")
        if frame_step is not None and (frame_step > frame_length or frame_step < 1):
            raise ValueError(f"{where}: `frame_step` must be a positive integer not greater "
                             f"than frame_length={frame_length}; got frame_step={frame_step}")
        if fft_length is not None and fft_length < frame_length:
            raise ValueError(f"{where}: `fft_length` must be at least frame_length="
                             f"{frame_length}; got fft_length={fft_length}")
        if fft_length is not None and fft_length & -fft_length != fft_length:
            warnings.warn(f"{where}: `fft_length` is best a power of two; got fft_length="
                          f"{fft_length}", stacklevel=2)
        if mode not in _MODES:
            raise ValueError(f"{where}: `mode` must be one of {_MODES}; got mode={mode!r}")
        if padding not in ("valid", "same"):
            raise ValueError(f'{where}: `padding` must be "valid" or "same"; got '
                             f"padding={padding!r}")
        try:
            STFT("real", window, scaling, periodic)  # checks window and scaling
            self.data_format = conv_ops.normalize_data_format(data_format)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None
        self.mode = mode
        self.frame_length = frame_length
        self.frame_step = frame_step
        self._frame_step = frame_step or frame_length // 2
        self.fft_length = fft_length
        self._fft_length = fft_length or 2 ** int(math.ceil(math.log2(frame_length)))
        self.window = window
        self.periodic = periodic
        self.scaling = scaling
        self.padding = padding
        self.expand_dims = expand_dims
        self.input_spec = InputSpec(ndim=3)

    def build(self, input_shape):
        shape = (self.frame_length, 1, self._fft_length // 2 + 1)
        if self.mode != "imag":
            self.real_kernel = self.add_weight(
                "real_kernel", shape, STFT("real", self.window, self.scaling, self.periodic))
        if self.mode != "real":
            self.imag_kernel = self.add_weight(
                "imag_kernel", shape, STFT("imag", self.window, self.scaling, self.periodic))

    def _transform(self, inputs, kernel):
        """Each channel convolved on its own: ``(batch, channels, bins, frames)``."""
        channels_last = self.data_format == "channels_last"
        if channels_last:
            _, time, channels = inputs.shape
            x = inputs.transpose(1, 2).reshape(-1, time, 1)
        else:
            _, channels, time = inputs.shape
            x = inputs.reshape(-1, 1, time)
        y = conv_ops.conv(x, kernel.to(x.dtype), strides=self._frame_step,
                          padding=self.padding, data_format=self.data_format)
        if channels_last:
            y = y.transpose(1, 2)
        return y.reshape(-1, channels, y.shape[1], y.shape[2])

    def _arrange(self, y):
        """``(batch, channels, bins, frames)`` in the output layout."""
        batch, channels, bins, frames = y.shape
        if self.data_format == "channels_last":
            if self.expand_dims:
                return y.permute(0, 3, 2, 1)
            return y.reshape(batch, channels * bins, frames).transpose(1, 2)
        if self.expand_dims:
            return y.permute(0, 1, 3, 2)
        return y.reshape(batch, channels * bins, frames)

    def call(self, inputs):
        if inputs.dtype not in (torch.float16, torch.float32, torch.float64):
            raise TypeError(f'Layer "{self.name}" (STFTSpectrogram) expects float16, float32 '
                            f"or float64 signals; got {inputs.dtype}")
        real = self._transform(inputs, self.real_kernel) if self.mode != "imag" else None
        imag = self._transform(inputs, self.imag_kernel) if self.mode != "real" else None
        if self.mode == "real":
            return self._arrange(real)
        if self.mode == "imag":
            return self._arrange(imag)
        if self.mode == "angle":
            return self._arrange(torch.atan2(imag, real))
        if self.mode == "stft":
            return self._arrange(torch.cat([real, imag], dim=2))
        power = real * real + imag * imag
        if self.mode == "psd":
            # one-sided: the bins between DC and Nyquist stand for two frequencies each
            inner = torch.nn.functional.pad(power[:, :, 1:-1, :], (0, 0, 1, 1))
            return self._arrange(power + inner)
        magnitude = self._arrange(torch.sqrt(torch.clamp(power, min=backend_epsilon())))
        if self.mode == "magnitude":
            return magnitude
        return torch.log(torch.clamp(magnitude, min=backend_epsilon()))

    def compute_output_shape(self, input_shape):
        if len(input_shape) != 3:
            raise ValueError(f'Layer "{self.name}" (STFTSpectrogram) expects inputs of rank 3 '
                             f"(batch, time, channels); got shape {tuple(input_shape)}")
        if self.data_format == "channels_last":
            batch, time, channels = input_shape
        else:
            batch, channels, time = input_shape
        bins = (self._fft_length // 2 + 1) * (2 if self.mode == "stft" else 1)
        frames = conv_ops.output_length(time, self.frame_length, self._frame_step, 1,
                                        self.padding)
        if self.expand_dims:
            if self.data_format == "channels_last":
                return (batch, frames, bins, channels)
            return (batch, channels, frames, bins)
        width = None if channels is None else channels * bins
        return (batch, frames, width) if self.data_format == "channels_last" else (
            batch, width, frames)

    def get_config(self):
        window = self.window
        if hasattr(window, "tolist"):
            window = window.tolist()
        return {**super().get_config(), "mode": self.mode, "frame_length": self.frame_length,
                "frame_step": self.frame_step, "fft_length": self.fft_length,
                "window": window, "periodic": self.periodic, "scaling": self.scaling,
                "padding": self.padding, "data_format": self.data_format,
                "expand_dims": self.expand_dims}
