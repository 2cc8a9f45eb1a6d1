"""``MelSpectrogram``: mel-scaled (power, decibel) spectrograms of audio signals (Keras 3)."""

from __future__ import annotations

import torch

from sloi.engine import Layer

_MEL_BREAK_FREQUENCY_HERTZ = 700.0
_MEL_HIGH_FREQUENCY_Q = 1127.0
_WINDOWS = {"hann": torch.hann_window, "hamming": torch.hamming_window}


class MelSpectrogram(Layer):
    """Turns raw audio into a mel spectrogram: the magnitude of a short-time Fourier
    transform (``torch.stft``, frames centred by reflection padding), raised to ``mag_exp``,
    mapped onto ``num_mel_bins`` triangular mel filters and, by default, converted to
    decibels.

    Args:
        fft_length: FFT size (2048).
        sequence_stride: samples between frames (512).
        sequence_length: samples per frame, ``<= fft_length`` (default ``fft_length``).
        window: ``"hann"`` (default), ``"hamming"`` (both periodic) or None.
        sampling_rate: the signal's sampling rate in Hz (16000).
        num_mel_bins: the number of mel filters (128).
        min_freq, max_freq: the filters' frequency range in Hz (20, ``sampling_rate / 2``).
        power_to_db: return ``10 log10(power / ref_power)``, floored at ``top_db`` below the
            maximum of the whole batch (as Keras); False: the mel power.
        top_db: the floor's distance below the maximum (80 dB); None: no floor.
        mag_exp: the exponent of the magnitude (2: power, 1: amplitude).
        min_power: the smallest power taken into the logarithm (1e-10).
        ref_power: the power of 0 dB (1.0).

    Input shape: ``(batch, samples)`` or ``(samples,)``. Output shape: ``(batch,
    num_mel_bins, frames)`` (``(num_mel_bins, frames)``), ``frames = 1 + samples //
    sequence_stride``.
    """

    def __init__(self, fft_length=2048, sequence_stride=512, sequence_length=None,
                 window="hann", sampling_rate=16000, num_mel_bins=128, min_freq=20.0,
                 max_freq=None, power_to_db=True, top_db=80.0, mag_exp=2.0, min_power=1e-10,
                 ref_power=1.0, **kwargs):
        super().__init__(**kwargs)
        where = f'Layer "{self.name}" (MelSpectrogram)'
        for key, value in (("fft_length", fft_length), ("sequence_stride", sequence_stride),
                           ("sampling_rate", sampling_rate), ("num_mel_bins", num_mel_bins)):
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                raise ValueError(f"{where}: `{key}` must be a positive integer; got "
                                 f"{key}={value!r}")
        self.fft_length = fft_length
        self.sequence_stride = sequence_stride
        self.sequence_length = sequence_length or fft_length
        if self.fft_length < self.sequence_length:
            raise ValueError(f"{where}: `fft_length` must be at least `sequence_length`; got "
                             f"fft_length={fft_length} and sequence_length={sequence_length}")
        if window is not None and window not in _WINDOWS:
            raise ValueError(f'{where}: `window` must be "hann", "hamming" or None (as Keras '
                             f"on torch); got window={window!r}")
        self.window = window
        self.sampling_rate = sampling_rate
        self.num_mel_bins = num_mel_bins
        self.min_freq = min_freq
        self.max_freq = max_freq or int(sampling_rate / 2)
        self.power_to_db = power_to_db
        self.top_db = top_db
        self.mag_exp = mag_exp
        self.min_power = min_power
        self.ref_power = ref_power

    def call(self, inputs):
        dtype = self._dtype if self._dtype in (torch.float32, torch.float64) else torch.float32
        x = inputs.to(dtype)
        spectrum = self._spectrogram(x)  # (..., frames, bins)
        mel = spectrum @ self._mel_matrix(spectrum.shape[-1], x.device).to(dtype)
        if self.power_to_db:
            mel = self._decibels(mel)
        return mel.transpose(-1, -2).to(self._dtype)

    def _spectrogram(self, x):
        if self.window is None:
            window = torch.ones(self.sequence_length, dtype=x.dtype, device=x.device)
        else:
            window = _WINDOWS[self.window](self.sequence_length, periodic=True, dtype=x.dtype,
                                           device=x.device)
        batch_shape = x.shape[:-1]
        stft = torch.stft(x.reshape(-1, x.shape[-1]), n_fft=self.fft_length,
                          hop_length=self.sequence_stride, win_length=self.sequence_length,
                          window=window, center=True, return_complex=True)
        stft = stft.reshape(*batch_shape, *stft.shape[-2:]).transpose(-1, -2)
        magnitude = torch.sqrt(stft.real ** 2 + stft.imag ** 2)
        return magnitude ** self.mag_exp

    def _mel_matrix(self, num_bins: int, device) -> torch.Tensor:
        """``(num_bins, num_mel_bins)`` triangular filters, evenly spaced on the mel scale
        between ``min_freq`` and ``max_freq``; the DC bin gets no weight (float32, as
        Keras's ``linear_to_mel_weight_matrix``)."""
        f32 = torch.float32

        def to_mel(hertz):
            return _MEL_HIGH_FREQUENCY_Q * torch.log(1.0 + hertz / _MEL_BREAK_FREQUENCY_HERTZ)

        def spaced(start, stop, num):
            # start + (stop - start) * i / (num - 1), the way Keras's linspace computes it
            # for tensor ends (torch.linspace rounds differently)
            return start + torch.arange(num, dtype=f32) / (num - 1) * (stop - start)

        nyquist = torch.tensor(self.sampling_rate, dtype=f32) / 2.0
        linear = spaced(torch.tensor(0.0, dtype=f32), nyquist, num_bins)[1:]
        bins_mel = to_mel(linear).unsqueeze(1)
        edges = spaced(to_mel(torch.tensor(self.min_freq, dtype=f32)),
                       to_mel(torch.tensor(self.max_freq, dtype=f32)), self.num_mel_bins + 2)
        lower, center, upper = edges[:-2], edges[1:-1], edges[2:]
        rising = (bins_mel - lower) / (center - lower)
        falling = (upper - bins_mel) / (upper - center)
        weights = torch.clamp(torch.minimum(rising, falling), min=0.0)
        return torch.nn.functional.pad(weights, (0, 0, 1, 0)).to(device)

    def _decibels(self, power):
        db = 10.0 * torch.log10(torch.clamp(power, min=self.min_power))
        ref = torch.tensor(abs(self.ref_power), dtype=power.dtype)
        db = db - 10.0 * torch.log10(torch.clamp(ref, min=self.min_power)).to(power.device)
        if self.top_db is not None:
            db = torch.maximum(db, db.max() - self.top_db)
        return db

    def compute_output_shape(self, input_shape):
        samples = input_shape[-1]
        frames = None if samples is None else 1 + samples // self.sequence_stride
        return tuple(input_shape[:-1]) + (self.num_mel_bins, frames)

    def compute_output_dtype(self, input_dtype):
        return self._dtype

    def get_config(self):
        return {**super().get_config(), "fft_length": self.fft_length,
                "sequence_stride": self.sequence_stride,
                "sequence_length": self.sequence_length, "window": self.window,
                "sampling_rate": self.sampling_rate, "num_mel_bins": self.num_mel_bins,
                "min_freq": self.min_freq, "max_freq": self.max_freq,
                "power_to_db": self.power_to_db, "top_db": self.top_db,
                "mag_exp": self.mag_exp, "min_power": self.min_power,
                "ref_power": self.ref_power}
