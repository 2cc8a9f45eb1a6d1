"""Forecasting windows cut from noisy sine waves.

What it is for: the first time-series task (Conv1D, SimpleRNN, LSTM regressors). Each sample
is a window of ``window`` past values of one noisy sine (its own amplitude, period and phase);
the target is the ``horizon`` values that follow it.
"""

from __future__ import annotations

import numpy as np

from sloi.datasets import _generated


def load_data(num_samples=1000, window=30, horizon=1, noise=0.1, period=(10.0, 40.0),
              amplitude=(0.5, 1.5), test_split=0.2, seed=0):
    """Generate the windows.

    Args:
        num_samples: windows in all (train and test), each from its own sine.
        window: past values per sample.
        horizon: future values to predict.
        noise: standard deviation of the Gaussian noise on every value (inputs and targets).
        period: the range ``(low, high)`` the period (in steps) is drawn from.
        amplitude: the range ``(low, high)`` the amplitude is drawn from.
        test_split: the fraction of the windows kept for testing.
        seed: the random seed; the same arguments and seed give the same data.

    Returns:
        ``(x_train, y_train), (x_test, y_test)``: ``x`` float32 ``(n, window, 1)``, ``y``
        float32 ``(n, horizon)``.
    """
    name = "sine"
    num_samples = _generated.check_int(name, "num_samples", num_samples, 1)
    window = _generated.check_int(name, "window", window, 1)
    horizon = _generated.check_int(name, "horizon", horizon, 1)
    test_split = _generated.check_fraction(name, "test_split", test_split)
    for arg, (low, high) in (("period", period), ("amplitude", amplitude)):
        if not 0 < low <= high:
            raise ValueError(f"{name}.load_data: {arg} must be a range (low, high) with "
                             f"0 < low <= high; got {(low, high)!r}")
    if noise < 0:
        raise ValueError(f"{name}.load_data: noise must be >= 0; got {noise!r}")
    rng = np.random.default_rng(seed)
    periods = rng.uniform(*period, size=(num_samples, 1))
    amplitudes = rng.uniform(*amplitude, size=(num_samples, 1))
    phases = rng.uniform(0.0, 2 * np.pi, size=(num_samples, 1))
    t = np.arange(window + horizon)[None, :]
    series = amplitudes * np.sin(2 * np.pi * t / periods + phases)
    series = (series + rng.normal(0.0, noise, size=series.shape)).astype(np.float32)
    x = series[:, :window, None]
    y = series[:, window:]
    return _generated.split(x, y, test_split)
