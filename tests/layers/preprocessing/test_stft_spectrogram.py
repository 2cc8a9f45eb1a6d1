"""Keras's STFTSpectrogram takes its windows from SciPy (it refuses to be created without
it): the Keras parity checks run where SciPy is installed; the DFT math written out (numpy's
rfft) is checked everywhere."""

import importlib.util

import keras
import numpy as np
import pytest
import torch

from sloi.layers import STFTSpectrogram
from tests.conformance import assert_gradients_match_keras, run_layer_test

HAS_SCIPY = importlib.util.find_spec("scipy") is not None
KERAS = keras.layers.STFTSpectrogram if HAS_SCIPY else None

CASES = [
    ({}, (2, 400, 2), (2, 2, 258), 2),
    ({"mode": "magnitude", "frame_length": 32, "frame_step": 8}, (2, 100, 1), (2, 9, 17), 2),
    ({"mode": "psd", "frame_length": 32, "padding": "same"}, (2, 70, 2), (2, 5, 34), 2),
    ({"mode": "real", "frame_length": 20, "fft_length": 32, "window": "hamming",
      "periodic": True}, (2, 60, 1), (2, 5, 17), 1),
    ({"mode": "imag", "frame_length": 16, "scaling": "spectrum", "expand_dims": True},
     (2, 48, 3), (2, 5, 9, 3), 1),
    ({"mode": "angle", "frame_length": 16, "data_format": "channels_first"}, (2, 2, 48),
     (2, 18, 5), 2),
    ({"mode": "stft", "frame_length": 16, "window": None, "scaling": None,
      "data_format": "channels_first", "expand_dims": True}, (2, 2, 40), (2, 2, 4, 18), 2),
]


@pytest.mark.parametrize("kwargs, shape, out, weights", CASES)
def test_conformance_and_keras_parity(kwargs, shape, out, weights):
    run_layer_test(STFTSpectrogram, kwargs, input_shape=shape, expected_output_shape=out,
                   expected_num_trainable_weights=weights, keras_layer_cls=KERAS, atol=1e-4)


def test_stft_mode_is_numpys_rfft_of_windowed_frames():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 64, 1)).astype("float32")
    n, step = 16, 8
    out = STFTSpectrogram(mode="stft", frame_length=n, frame_step=step)(x).detach().numpy()
    window = 0.5 - 0.5 * np.cos(2 * np.pi * np.arange(n) / (n - 1))  # symmetric Hann
    frames = np.stack([x[:, i:i + n, 0] for i in range(0, 64 - n + 1, step)], axis=1)
    spectrum = np.fft.rfft(frames * window, axis=-1) / np.sqrt(np.sum(window ** 2))
    expected = np.concatenate([spectrum.real, spectrum.imag], axis=-1)
    np.testing.assert_allclose(out, expected, atol=1e-5)
    log = STFTSpectrogram(frame_length=n, frame_step=step)(x).detach().numpy()
    np.testing.assert_allclose(log, np.log(np.maximum(np.abs(spectrum), 1e-7)), atol=1e-4)


@pytest.mark.skipif(not HAS_SCIPY, reason="Keras's STFTSpectrogram needs SciPy")
def test_gradients_equal_keras():
    x = np.random.default_rng(1).standard_normal((2, 80, 2)).astype("float32")
    for trainable in (False, True):
        assert_gradients_match_keras(STFTSpectrogram, keras.layers.STFTSpectrogram, {
            "mode": "magnitude", "frame_length": 32, "trainable": trainable}, x, atol=1e-4)


def test_config_and_errors():
    layer = STFTSpectrogram(frame_length=64, window=[1.0] * 64)
    assert STFTSpectrogram.from_config(layer.get_config()).get_config() == layer.get_config()
    with pytest.raises(ValueError, match=r"\(STFTSpectrogram\).*`frame_step`"):
        STFTSpectrogram(frame_length=8, frame_step=9)
    with pytest.raises(ValueError, match=r"\(STFTSpectrogram\).*`fft_length`"):
        STFTSpectrogram(frame_length=8, fft_length=4)
    with pytest.raises(ValueError, match=r"\(STFTSpectrogram\).*`mode`"):
        STFTSpectrogram(mode="power")
    with pytest.raises(ValueError, match=r"\(STFTSpectrogram\).*`padding`"):
        STFTSpectrogram(padding="causal")
    with pytest.raises(ValueError, match=r"\(STFTSpectrogram\).*Unknown window"):
        STFTSpectrogram(window="nope")
    with pytest.raises(ValueError, match=r"\(STFTSpectrogram\).*`scaling`"):
        STFTSpectrogram(scaling="l2")
    with pytest.raises(TypeError, match=r"\(STFTSpectrogram\).*float"):
        STFTSpectrogram(frame_length=4)(torch.ones((1, 8, 1), dtype=torch.int64))
    with pytest.raises(ValueError, match=r"stft_spectrogram.*rank|ndim"):
        STFTSpectrogram(frame_length=4, name="stft_spectrogram")(np.ones((8, 1), "float32"))
