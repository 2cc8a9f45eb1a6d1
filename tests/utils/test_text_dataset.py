"""text_dataset_from_directory against Keras 3's (its grain format, which runs without
TensorFlow), on small folders the tests write."""

import keras
import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader

from sloi.utils import text_dataset_from_directory


@pytest.fixture
def reviews(tmp_path):
    """neg/ 7 files (two in a nested folder), pos/ 5 files, and files that are not .txt."""
    root = tmp_path / "reviews"
    for label, count in (("neg", 7), ("pos", 5)):
        (root / label / "more").mkdir(parents=True)
        for i in range(count):
            folder = root / label / ("more" if i >= count - 2 else "")
            (folder / f"{label}_{i:02d}.txt").write_text(f"{label} review number {i}, " * 3)
        (root / label / "notes.md").write_text("not a sample")
    (root / ".hidden").mkdir()
    return root


def keras_samples(directory, **kwargs):
    pytest.importorskip("grain")  # Keras without TensorFlow needs grain
    found = keras.utils.text_dataset_from_directory(directory, format="grain", verbose=False,
                                                    **kwargs)
    return _samples(found)


def _samples(loader):
    out = []
    for batch in loader:
        if isinstance(batch, (tuple, list)) and len(batch) == 2 and not isinstance(batch[0], str):
            texts, labels = batch
            out += [(t, np.asarray(lab).tolist()) for t, lab in zip(texts, labels)]
        else:
            out += list(batch)
    return out


@pytest.mark.parametrize("kwargs", [
    dict(),
    dict(label_mode="categorical", batch_size=5),
    dict(label_mode="binary", batch_size=4),
    dict(max_length=10, batch_size=3),
    dict(labels=None, batch_size=5),
    dict(class_names=["pos", "neg"], batch_size=6),
    dict(batch_size=None),
])
def test_unshuffled_batches_match_keras(reviews, kwargs):
    ours = text_dataset_from_directory(reviews, shuffle=False, verbose=False, **kwargs)
    assert isinstance(ours, DataLoader)
    assert _samples(ours) == keras_samples(reviews, shuffle=False, **kwargs)
    if kwargs.get("labels", "inferred") is not None:
        assert ours.class_names == kwargs.get("class_names", ["neg", "pos"])


def test_batches_are_lists_of_strings_and_label_tensors(reviews):
    texts, labels = next(iter(text_dataset_from_directory(reviews, batch_size=4, shuffle=False,
                                                          label_mode="binary", verbose=False)))
    assert isinstance(texts, list) and all(isinstance(t, str) for t in texts)
    assert labels.dtype == torch.float32 and labels.shape == (4, 1)
    _, labels = next(iter(text_dataset_from_directory(reviews, shuffle=False, verbose=False)))
    assert labels.dtype == torch.int32 and labels.shape == (12,)


def test_seeded_split_puts_the_same_files_on_each_side_as_keras(reviews):
    kwargs = dict(validation_split=0.25, seed=42, batch_size=3)
    train, val = text_dataset_from_directory(reviews, subset="both", verbose=False, **kwargs)
    k_train = keras_samples(reviews, subset="training", **kwargs)
    k_val = keras_samples(reviews, subset="validation", **kwargs)
    assert sorted(_samples(train)) == sorted(k_train) and len(k_train) == 9
    assert sorted(_samples(val)) == sorted(k_val) and len(k_val) == 3
    # the validation side comes in the order of Keras's seeded shuffle of the file list
    assert _samples(val) == _samples(
        text_dataset_from_directory(reviews, subset="validation", verbose=False, **kwargs))
    # the training side is reshuffled each epoch, from the seed
    epochs = [_samples(train) for _ in range(3)]
    assert len({tuple(map(str, e)) for e in epochs}) > 1
    assert _samples(train) != [] and sorted(epochs[0]) == sorted(epochs[2])


def test_explicit_labels_follow_the_sorted_paths(reviews):
    labels = list(range(12))
    ours = _samples(text_dataset_from_directory(reviews, labels=labels, shuffle=False,
                                                verbose=False))
    assert ours == keras_samples(reviews, labels=labels, shuffle=False)


def test_russian_text_is_read_as_utf8(tmp_path):
    (tmp_path / "ru").mkdir()
    (tmp_path / "ru" / "a.txt").write_text("Ёжик идёт домой", encoding="utf-8")
    (tmp_path / "en").mkdir()
    (tmp_path / "en" / "b.txt").write_text("hello", encoding="utf-8")
    ds = text_dataset_from_directory(tmp_path, shuffle=False, max_length=4, verbose=False)
    texts, labels = next(iter(ds))
    assert texts == ["hell", "Ёжик"] and labels.tolist() == [0, 1]
    (tmp_path / "en" / "c.txt").write_bytes(b"\xff\xfe bad")
    with pytest.raises(ValueError, match=r"c.txt' is not UTF-8 text"):
        list(text_dataset_from_directory(tmp_path, shuffle=False, verbose=False))


def test_prints_what_it_found(reviews, capsys):
    text_dataset_from_directory(reviews, validation_split=0.25, subset="training", seed=1)
    assert capsys.readouterr().out.splitlines() == [
        "Found 12 files belonging to 2 classes.", "Using 9 files for training."]


def test_bad_arguments_are_refused(reviews, tmp_path):
    with pytest.raises(ValueError, match=r"is not a directory"):
        text_dataset_from_directory(tmp_path / "nope")
    with pytest.raises(ValueError, match=r"label_mode must be one of.*got label_mode='sparse'"):
        text_dataset_from_directory(reviews, label_mode="sparse")
    with pytest.raises(ValueError, match=r"pass a seed"):
        text_dataset_from_directory(reviews, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match=r"validation_split and subset go together"):
        text_dataset_from_directory(reviews, subset="training", seed=1)
    with pytest.raises(ValueError, match=r"class_names \['cats'\] are not sub-folders"):
        text_dataset_from_directory(reviews, class_names=["neg", "cats"])
    with pytest.raises(ValueError, match=r"got 3 labels for 12 .txt files"):
        text_dataset_from_directory(reviews, labels=[0, 1, 0])
    (reviews / "third").mkdir()
    (reviews / "third" / "x.txt").write_text("x")
    with pytest.raises(ValueError, match=r"label_mode='binary' needs exactly 2 classes; found 3"):
        text_dataset_from_directory(reviews, label_mode="binary", verbose=False)
    empty = tmp_path / "empty"
    (empty / "a").mkdir(parents=True)
    with pytest.raises(ValueError, match=r"no .txt files found"):
        text_dataset_from_directory(empty, verbose=False)
