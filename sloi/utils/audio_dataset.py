"""``audio_dataset_from_directory``: ``.wav`` files in class folders, as batches of tensors."""

from __future__ import annotations

import wave

import numpy as np
import torch
from torch.utils.data import Dataset

from sloi.utils.directory_index import (
    check_labels,
    check_split,
    encode_label,
    list_files,
    make_loaders,
)

ALLOWED_FORMATS = (".wav",)
_WHAT = "audio_dataset_from_directory"


def audio_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, batch_size=32, sampling_rate=None,
                                 output_sequence_length=None, ragged=False, shuffle=True,
                                 seed=None, validation_split=None, subset=None,
                                 follow_links=False, verbose=True):
    """The ``.wav`` files under ``directory`` with their labels, as Keras 3 reads them.

    Files are listed, shuffled and split exactly as Keras does (see
    ``image_dataset_from_directory``). Each file is read with Python's ``wave`` module (PCM,
    8 to 32 bits) into float32 samples in ``[-1, 1)`` of shape ``(samples, channels)``, as
    ``tf.audio.decode_wav`` gives them.

    Batches are ``(audio, labels)`` from a ``torch.utils.data.DataLoader`` (``class_names``
    attribute as in Keras): with ``output_sequence_length`` every clip is cut or zero-padded to
    that length; without it, the clips of a batch are zero-padded to the longest one (Keras's
    ``padded_batch``), or, with ``ragged=True``, the batch holds a list of clips of their own
    lengths.

    Args:
        directory: the folder to read.
        labels: ``"inferred"``, None (no labels) or a list of integer labels, one per file in
            sorted path order.
        label_mode: ``"int"``, ``"categorical"``, ``"binary"`` or None.
        class_names: with ``labels="inferred"``, the sub-folders to use, in label order.
        batch_size: clips per batch; None yields single clips.
        sampling_rate: the rate the clips must have. Keras resamples with tensorflow-io; sloi
            does not resample and raises for a file at another rate.
        output_sequence_length: cut or pad every clip to this many samples.
        ragged: keep the clips' own lengths (a list per batch); not with
            ``output_sequence_length``.
        shuffle, seed, validation_split, subset, follow_links, verbose: as in
            ``image_dataset_from_directory``.
    """
    labels = check_labels(labels, label_mode, class_names, _WHAT)
    if ragged and output_sequence_length is not None:
        raise ValueError(f"{_WHAT}: ragged=True cannot go with output_sequence_length; got "
                         f"output_sequence_length={output_sequence_length!r}")
    if sampling_rate is not None and (not isinstance(sampling_rate, int) or sampling_rate <= 0):
        raise ValueError(f"{_WHAT}: sampling_rate must be a positive integer; got "
                         f"sampling_rate={sampling_rate!r}")
    check_split(validation_split, subset, shuffle, seed, _WHAT)
    paths, labels, class_names, label_mode, seed = list_files(
        directory, labels, label_mode, ALLOWED_FORMATS, class_names, shuffle, seed,
        follow_links, verbose, _WHAT)
    num_classes = len(class_names) if class_names else 0

    def clips(part_paths, part_labels):
        return AudioFiles(part_paths, part_labels, label_mode, num_classes, sampling_rate,
                          output_sequence_length)

    collate = _collate_ragged if ragged else _collate_padded
    return make_loaders(
        clips, paths, labels, class_names, validation_split=validation_split, subset=subset,
        shuffle=shuffle, seed=seed, batch_size=batch_size,
        collate_fn=collate if batch_size is not None else None, verbose=verbose,
        missing=lambda part: (f"{_WHAT}: no {part + ' ' if part else ''}.wav files found in "
                              f"{directory!r}"))


def read_wav(path, sampling_rate=None, length=None) -> torch.Tensor:
    """A PCM ``.wav`` file as float32 ``(samples, channels)`` in ``[-1, 1)``; cut or
    zero-padded to ``length`` samples when given."""
    with wave.open(str(path), "rb") as f:
        width, channels, rate = f.getsampwidth(), f.getnchannels(), f.getframerate()
        frames = f.readframes(f.getnframes())
    if sampling_rate is not None and rate != sampling_rate:
        raise ValueError(f"{_WHAT}: {path!r} is sampled at {rate} Hz, not sampling_rate="
                         f"{sampling_rate}; sloi does not resample audio")
    if width == 1:  # 8-bit WAV is unsigned
        samples = (np.frombuffer(frames, np.uint8).astype(np.float32) - 128) / 128
    elif width == 3:  # 24-bit: widen each little-endian triple to 32 bits
        raw = np.frombuffer(frames, np.uint8).reshape(-1, 3)
        wide = np.zeros((len(raw), 4), np.uint8)
        wide[:, 1:] = raw
        samples = wide.view("<i4").reshape(-1).astype(np.float32) / 2.0 ** 31
    elif width in (2, 4):
        samples = np.frombuffer(frames, f"<i{width}").astype(np.float32) / 2.0 ** (8 * width - 1)
    else:
        raise ValueError(f"{_WHAT}: {path!r} has {8 * width}-bit samples; only 8, 16, 24 and "
                         "32-bit PCM can be read")
    audio = torch.from_numpy(samples.reshape(-1, channels).copy())
    if length is not None:
        audio = audio[:length]
        if len(audio) < length:
            audio = torch.cat([audio, audio.new_zeros(length - len(audio), channels)])
    return audio


class AudioFiles(Dataset):
    """Map-style dataset of ``(audio, label)`` read from files on demand (just ``audio``
    when there are no labels)."""

    def __init__(self, paths, labels, label_mode, num_classes, sampling_rate, length):
        self.paths, self.labels = paths, labels
        self.label_mode, self.num_classes = label_mode, num_classes
        self.sampling_rate, self.length = sampling_rate, length

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        audio = read_wav(self.paths[index], self.sampling_rate, self.length)
        if self.labels is None:
            return audio
        return audio, encode_label(self.labels[index], self.label_mode, self.num_classes)


def _pad_stack(clips):
    longest = max(len(c) for c in clips)
    return torch.stack([torch.cat([c, c.new_zeros(longest - len(c), c.shape[1])])
                        for c in clips])


def _collate_padded(samples):
    if isinstance(samples[0], torch.Tensor):
        return _pad_stack(samples)
    clips, labels = zip(*samples)
    return _pad_stack(clips), torch.stack(labels)


def _collate_ragged(samples):
    if isinstance(samples[0], torch.Tensor):
        return list(samples)
    clips, labels = zip(*samples)
    return list(clips), torch.stack(labels)
