import keras
import numpy as np
import pytest
import torch

from sloi import initializers
from sloi.initializers import STFT
from sloi.initializers.stft import WINDOWS, get_window


def _dft_kernel(frame_length, bins, side, window, scale):
    """The DFT basis written out: cos / sin of -2 pi t f / fft_length, windowed and scaled."""
    fft_length = 2 * (bins - 1)
    t = np.arange(frame_length)[:, None]
    f = np.arange(bins)[None, :]
    phase = -2 * np.pi * t * f / fft_length
    basis = np.cos(phase) if side == "real" else np.sin(phase)
    return (basis * window[:, None] / scale)[:, None, :]


@pytest.mark.parametrize("side", ["real", "imag"])
@pytest.mark.parametrize("scaling", ["density", "spectrum", None])
def test_kernel_is_the_windowed_dft_basis(side, scaling):
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(16) / 15)  # symmetric Hann
    scale = {"density": np.sqrt(np.sum(window ** 2)), "spectrum": np.sum(window),
             None: 1.0}[scaling]
    ours = STFT(side, "hann", scaling)((16, 1, 9)).numpy()
    # float32 phases (as Keras computes them) are off by up to ~1e-6
    np.testing.assert_allclose(ours, _dft_kernel(16, 9, side, window, scale), atol=5e-6)
    plain = STFT(side, None)((8, 1, 5)).numpy()
    np.testing.assert_allclose(plain, _dft_kernel(8, 5, side, np.ones(8), 1.0), atol=5e-6)


def test_windows_written_out():
    n = np.arange(8)
    np.testing.assert_allclose(get_window("hann", 8, periodic=True),
                               0.5 - 0.5 * np.cos(2 * np.pi * n / 8), atol=1e-12)
    np.testing.assert_allclose(get_window("hamming", 8),
                               0.54 - 0.46 * np.cos(2 * np.pi * n / 7), atol=1e-12)
    np.testing.assert_allclose(get_window("rect", 5), np.ones(5))
    np.testing.assert_allclose(get_window("triang", 4), [0.25, 0.75, 0.75, 0.25])
    np.testing.assert_allclose(get_window("bartlett", 5), [0, 0.5, 1, 0.5, 0])


def test_windows_equal_scipys_where_installed():
    signal = pytest.importorskip("scipy.signal")
    for name in WINDOWS:
        for n in (1, 2, 7, 64):
            for periodic in (False, True):
                np.testing.assert_allclose(get_window(name, n, periodic),
                                           signal.get_window(name, n, fftbins=periodic),
                                           atol=1e-14)


@pytest.mark.parametrize("kwargs", [
    {}, {"side": "imag", "window": "hamming", "periodic": True},
    {"window": "blackman", "scaling": "spectrum"}, {"side": "imag", "window": None},
])
def test_equals_keras_where_scipy_is_installed(kwargs):
    pytest.importorskip("scipy")  # Keras's STFT takes its windows from scipy
    shape = (32, 1, 17)
    np.testing.assert_array_equal(STFT(**kwargs)(shape).numpy(),
                                  keras.initializers.STFT(**kwargs)(shape).cpu().numpy())


def test_names_config_and_errors():
    for name in ("STFT", "STFTInitializer", "stft"):
        assert isinstance(initializers.get(name), STFT)
    assert initializers.STFTInitializer is STFT and initializers.stft is STFT
    init = STFT("imag", "hamming", None, True)
    config = initializers.serialize(init)
    assert config == {"class_name": "STFT", "config": {"side": "imag", "window": "hamming",
                                                       "periodic": True, "scaling": None}}
    assert initializers.deserialize(config).get_config() == init.get_config()
    assert STFT(window=[1.0, 2.0])((2, 1, 3), dtype="float64").dtype == torch.float64
    with pytest.raises(ValueError, match="`side`"):
        STFT("complex")
    with pytest.raises(ValueError, match="`scaling`"):
        STFT(scaling="l2")
    with pytest.raises(ValueError, match="Unknown window 'kaiserr'"):
        STFT(window="kaiserr")
    with pytest.raises(ValueError, match="frame_length=4"):
        STFT(window=[1.0, 2.0])((4, 1, 3))
