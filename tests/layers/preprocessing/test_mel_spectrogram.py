import keras
import numpy as np
import pytest
import torch

from sloi.layers import MelSpectrogram
from tests.conformance import run_layer_test

SMALL = {"fft_length": 64, "sequence_stride": 16, "num_mel_bins": 10}


@pytest.mark.parametrize("kwargs, samples", [
    (SMALL, 200),
    ({**SMALL, "sequence_length": 48, "window": "hamming", "power_to_db": False}, 160),
    ({**SMALL, "window": None, "mag_exp": 1.0, "top_db": 20.0, "ref_power": 2.0,
      "min_freq": 100.0, "max_freq": 3000, "sampling_rate": 8000}, 97),
])
def test_conformance_and_keras_parity(kwargs, samples):
    frames = 1 + samples // kwargs["sequence_stride"]
    # the decibel floor depends on the whole batch's maximum, so compare batches as Keras
    run_layer_test(MelSpectrogram, kwargs, input_shape=(2, samples),
                   expected_output_shape=(2, kwargs["num_mel_bins"], frames),
                   keras_layer_cls=keras.layers.MelSpectrogram, atol=2e-4)


def test_default_layer_on_audio_equals_keras():
    x = np.random.default_rng(0).standard_normal((2, 4000)).astype("float32")
    ours, theirs = MelSpectrogram()(x), keras.layers.MelSpectrogram()(x)
    assert ours.shape == theirs.shape == (2, 128, 8)
    np.testing.assert_allclose(ours.numpy(), theirs.cpu().numpy(), atol=1e-4, rtol=1e-6)
    one = MelSpectrogram(**SMALL)(x[0, :300])
    assert one.shape == (10, 1 + 300 // 16)


def test_mel_filters_written_out():
    """Power of a pure tone lands in the filter around its frequency."""
    rate, tone = 8000, 1000.0
    t = np.arange(2048) / rate
    x = np.sin(2 * np.pi * tone * t).astype("float32")[None]
    mel = MelSpectrogram(fft_length=256, sequence_stride=128, sampling_rate=rate,
                         num_mel_bins=16, power_to_db=False)(x)[0].numpy()
    to_mel = lambda f: 1127.0 * np.log(1 + f / 700.0)  # noqa: E731
    edges = np.linspace(to_mel(20.0), to_mel(4000.0), 18)
    centre = np.argmin(np.abs(edges[1:-1] - to_mel(tone)))
    assert abs(int(np.argmax(mel.mean(axis=1))) - centre) <= 1


def test_config_and_errors():
    layer = MelSpectrogram(**SMALL)
    config = layer.get_config()
    assert config.keys() == keras.layers.MelSpectrogram(**SMALL).get_config().keys()
    assert config["max_freq"] == 8000 and config["sequence_length"] == 64
    assert MelSpectrogram.from_config(config).get_config() == config
    with pytest.raises(ValueError, match=r"\(MelSpectrogram\).*`fft_length` must be at least"):
        MelSpectrogram(fft_length=64, sequence_length=128)
    with pytest.raises(ValueError, match=r"\(MelSpectrogram\).*`window`"):
        MelSpectrogram(window="blackman")
    with pytest.raises(ValueError, match=r"\(MelSpectrogram\).*`num_mel_bins`"):
        MelSpectrogram(num_mel_bins=0)
    assert MelSpectrogram(**SMALL)(torch.ones(1, 100, dtype=torch.float64)).dtype == (
        torch.float32)
