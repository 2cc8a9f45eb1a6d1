import numpy as np
import pytest

from sloi.datasets import sine
from tests.datasets import generated_checks


def test_windows_continue_into_targets():
    data = sine.load_data(num_samples=50, window=20, horizon=3, noise=0.0)
    generated_checks.check_split(data, 50, 0.2)
    (x, y), _ = data
    assert x.shape == (40, 20, 1) and y.shape == (40, 3)
    assert x.dtype == y.dtype == np.float32
    series = np.concatenate([x[..., 0], y], axis=1)
    # a clean sine obeys s[t+1] = 2 cos(w) s[t] - s[t-1]: the targets continue the window
    a, b, c = series[:, :-2], series[:, 1:-1], series[:, 2:]
    two_cos = (a + c) / np.where(np.abs(b) > 1e-3, b, np.nan)
    spread = np.nanmax(two_cos, axis=1) - np.nanmin(two_cos, axis=1)
    assert np.all(spread < 1e-2)
    assert np.abs(series).max() <= 1.5 + 1e-6


def test_noise_and_reproducible():
    clean = sine.load_data(num_samples=30, noise=0.0, seed=5)[0][0]
    noisy = sine.load_data(num_samples=30, noise=0.2, seed=5)[0][0]
    assert 0.1 < np.std(noisy - clean) < 0.3
    generated_checks.check_reproducible(sine.load_data, num_samples=20)


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"period must be a range \(low, high\)"):
        sine.load_data(period=(5, 1))
    with pytest.raises(ValueError, match="noise must be >= 0"):
        sine.load_data(noise=-1)
