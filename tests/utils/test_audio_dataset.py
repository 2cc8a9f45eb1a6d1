"""audio_dataset_from_directory. Keras's needs TensorFlow (tf.audio.decode_wav), so the file
order is checked against Keras's own directory index, and the samples against the decoding
written out: 16-bit PCM / 32768, 8-bit (x - 128) / 128, shape (samples, channels)."""

import wave

import numpy as np
import pytest
import torch
from keras.src.utils import dataset_utils as keras_dataset_utils

from sloi.utils import audio_dataset_from_directory


def write_wav(path, samples, rate=16000, width=2):
    samples = np.asarray(samples)
    with wave.open(str(path), "wb") as f:
        f.setnchannels(1 if samples.ndim == 1 else samples.shape[1])
        f.setsampwidth(width)
        f.setframerate(rate)
        f.writeframes(samples.astype("<i2" if width == 2 else "u1").tobytes())


@pytest.fixture
def clips(tmp_path):
    """no/ 3 clips, yes/ 4 clips, of lengths 5 to 11, 16-bit mono; and a .txt."""
    rng = np.random.default_rng(0)
    root = tmp_path / "speech"
    expected = {}
    for label, count in (("no", 3), ("yes", 4)):
        (root / label).mkdir(parents=True)
        for i in range(count):
            pcm = rng.integers(-32768, 32768, 5 + 2 * i + (label == "yes"))
            path = root / label / f"{label}_{i}.wav"
            write_wav(path, pcm)
            expected[str(path)] = (pcm / 32768.0).astype("float32")[:, None]
        (root / label / "readme.txt").write_text("not audio")
    return root, expected


def flat(loader):
    out = []
    for audio, labels in loader:
        out += list(zip(audio, labels.tolist()))
    return out


def test_order_is_keras_s_and_samples_are_decoded_as_tf_does(clips):
    root, expected = clips
    for shuffle, seed in ((False, None), (True, 3)):
        paths, labels, names = keras_dataset_utils.index_directory(
            str(root), "inferred", formats=(".wav",), shuffle=shuffle, seed=seed,
            verbose=False)
        ds = audio_dataset_from_directory(root, batch_size=None, shuffle=shuffle, seed=seed,
                                          verbose=False)
        assert ds.file_paths == paths and ds.class_names == names == ["no", "yes"]
        if not shuffle:
            got = list(ds)
            assert [int(y) for _, y in got] == list(labels)
            for (audio, _), path in zip(got, paths):
                assert audio.dtype == torch.float32
                np.testing.assert_array_equal(audio.numpy(), expected[path])


def test_batches_are_padded_to_their_longest_clip(clips):
    root, expected = clips
    ds = audio_dataset_from_directory(root, batch_size=3, shuffle=False, verbose=False)
    paths = ds.file_paths
    batches = list(ds)
    assert [tuple(a.shape) for a, _ in batches] == [(3, 9, 1), (3, 10, 1), (1, 12, 1)]
    audio, labels = batches[0]
    assert labels.dtype == torch.int32 and labels.tolist() == [0, 0, 0]
    for row, path in zip(audio, paths[:3]):
        clip = expected[path]
        np.testing.assert_array_equal(row[:len(clip)].numpy(), clip)
        assert not row[len(clip):].any()


def test_output_sequence_length_cuts_and_pads(clips):
    root, expected = clips
    ds = audio_dataset_from_directory(root, batch_size=4, output_sequence_length=8,
                                      shuffle=False, verbose=False, label_mode="categorical")
    audio, labels = next(iter(ds))
    assert audio.shape == (4, 8, 1) and labels.tolist()[0] == [1.0, 0.0]
    for row, path in zip(audio, ds.file_paths):
        clip = expected[path][:8]
        np.testing.assert_array_equal(row[:len(clip)].numpy(), clip)
        assert not row[len(clip):].any()


def test_ragged_batches_keep_each_clip_s_length(clips):
    root, _ = clips
    audio, labels = next(iter(audio_dataset_from_directory(
        root, batch_size=4, ragged=True, shuffle=False, verbose=False, label_mode="binary")))
    assert [len(a) for a in audio] == [5, 7, 9, 6] and labels.shape == (4, 1)
    only_audio = next(iter(audio_dataset_from_directory(root, labels=None, batch_size=2,
                                                        shuffle=False, verbose=False)))
    assert isinstance(only_audio, torch.Tensor) and only_audio.shape == (2, 7, 1)


def test_stereo_and_8_bit(tmp_path):
    (tmp_path / "a").mkdir()
    stereo = np.array([[0, 32767], [-32768, 16384], [100, -100]])
    write_wav(tmp_path / "a" / "s.wav", stereo)
    write_wav(tmp_path / "a" / "t.wav", np.array([0, 128, 255]), width=1)
    ds = audio_dataset_from_directory(tmp_path, batch_size=None, shuffle=False, verbose=False)
    (s, _), (t, _) = list(ds)
    np.testing.assert_array_equal(s.numpy(), stereo / 32768.0)
    np.testing.assert_array_equal(t.numpy()[:, 0], [-1.0, 0.0, 127 / 128])


def test_split_and_sampling_rate(clips):
    root, _ = clips
    train, val = audio_dataset_from_directory(root, validation_split=0.3, subset="both", seed=5,
                                              batch_size=2, verbose=False)
    assert len(train.file_paths) == 5 and len(val.file_paths) == 2
    assert not set(train.file_paths) & set(val.file_paths)
    ok = audio_dataset_from_directory(root, sampling_rate=16000, verbose=False)
    assert len(flat(ok)) == 7
    with pytest.raises(ValueError, match="sampled at 16000 Hz, not sampling_rate=8000"):
        list(audio_dataset_from_directory(root, sampling_rate=8000, verbose=False))
    with pytest.raises(ValueError, match="ragged=True cannot go with output_sequence_length"):
        audio_dataset_from_directory(root, ragged=True, output_sequence_length=4)
    with pytest.raises(ValueError, match="label_mode must be one of"):
        audio_dataset_from_directory(root, label_mode="sparse")
