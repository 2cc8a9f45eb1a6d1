"""image_dataset_from_directory against Keras 3's (its grain format, which runs without
TensorFlow), on a small folder of PNGs the tests write."""

import keras
import numpy as np
import pytest
import torch
from PIL import Image
from torch.utils.data import DataLoader

from sloi.utils import image_dataset_from_directory


@pytest.fixture
def pictures(tmp_path):
    """cats/ 5 images (one in a nested folder), dogs/ 4, of mixed sizes and modes, and files
    that are not images."""
    rng = np.random.default_rng(0)
    root = tmp_path / "pictures"
    sizes = [(6, 8), (8, 8), (5, 9), (8, 6), (7, 7)]
    for label, count in (("cats", 5), ("dogs", 4)):
        (root / label / "more").mkdir(parents=True)
        for i in range(count):
            folder = root / label / ("more" if i == count - 1 else "")
            h, w = sizes[i]
            mode = "RGBA" if i == 1 else ("L" if i == 2 else "RGB")
            shape = (h, w) if mode == "L" else (h, w, len(mode))
            pixels = rng.integers(0, 256, shape, dtype=np.uint8)
            Image.fromarray(pixels, mode).save(folder / f"{label}_{i}.png")
        (root / label / "notes.txt").write_text("not an image")
    (root / ".hidden").mkdir()
    return root


def _samples(loader):
    out = []
    for batch in loader:
        if isinstance(batch, (tuple, list)):
            images, labels = batch
            out += [(np.asarray(x), np.asarray(y)) for x, y in zip(images, labels)]
        else:
            out += [(np.asarray(x), None) for x in batch]
    return out


def keras_samples(directory, **kwargs):
    pytest.importorskip("grain")  # Keras without TensorFlow needs grain
    found = keras.utils.image_dataset_from_directory(directory, format="grain", verbose=False,
                                                     **kwargs)
    if isinstance(found, list):
        return [(_samples(f), f.class_names) for f in found]
    return _samples(found), found.class_names


def assert_same(ours, theirs):
    assert len(ours) == len(theirs)
    for (x, y), (kx, ky) in zip(ours, theirs):
        assert x.dtype == np.float32 and x.shape == kx.shape
        np.testing.assert_allclose(x, kx, rtol=1e-5, atol=1e-3)
        if ky is None:
            assert y is None
        else:
            assert y.dtype == ky.dtype and np.array_equal(y, ky)


@pytest.mark.parametrize("kwargs", [
    dict(image_size=(8, 8)),
    dict(image_size=(4, 6), label_mode="categorical", batch_size=4),
    dict(image_size=5, label_mode="binary", color_mode="grayscale", batch_size=3),
    dict(image_size=(6, 6), color_mode="rgba", interpolation="nearest", labels=None),
    dict(image_size=(4, 8), crop_to_aspect_ratio=True, interpolation="bicubic"),
    dict(image_size=(4, 8), pad_to_aspect_ratio=True),
    dict(image_size=(5, 7), data_format="channels_first", class_names=["dogs", "cats"]),
])
def test_unshuffled_batches_match_keras(pictures, kwargs):
    ours = image_dataset_from_directory(pictures, shuffle=False, verbose=False, **kwargs)
    assert isinstance(ours, DataLoader)
    theirs, class_names = keras_samples(pictures, shuffle=False, **kwargs)
    assert_same(_samples(ours), theirs)
    assert ours.class_names == class_names
    assert len(ours.file_paths) == 9


def test_batches_are_float_images_and_int_labels(pictures):
    images, labels = next(iter(image_dataset_from_directory(
        pictures, image_size=(8, 8), batch_size=4, shuffle=False, verbose=False)))
    assert images.dtype == torch.float32 and images.shape == (4, 8, 8, 3)
    assert labels.dtype == torch.int32 and labels.tolist() == [0, 0, 0, 0]
    single = next(iter(image_dataset_from_directory(pictures, image_size=(8, 8),
                                                    batch_size=None, shuffle=False,
                                                    verbose=False)))
    assert single[0].shape == (8, 8, 3) and single[1].shape == ()


def test_seeded_split_puts_the_same_files_on_each_side_as_keras(pictures):
    kwargs = dict(image_size=(8, 8), validation_split=0.34, seed=7, batch_size=2)
    train, val = image_dataset_from_directory(pictures, subset="both", verbose=False, **kwargs)
    (k_train, _), (k_val, _) = keras_samples(pictures, subset="both", **kwargs)
    assert len(k_val) == 3
    # the validation side is not shuffled: same files in the same order as Keras
    assert_same(_samples(val), k_val)
    key = lambda s: (s[0].sum(), int(s[1]))  # noqa: E731
    assert_same(sorted(_samples(train), key=key), sorted(k_train, key=key))
    assert train.file_paths == image_dataset_from_directory(
        pictures, subset="training", verbose=False, **kwargs).file_paths


def test_explicit_labels_follow_the_sorted_paths(pictures):
    labels = [3, 1, 4, 1, 5, 9, 2, 6, 5]
    ours = image_dataset_from_directory(pictures, labels=labels, image_size=(8, 8),
                                        shuffle=False, verbose=False)
    theirs, class_names = keras_samples(pictures, labels=labels, image_size=(8, 8),
                                        shuffle=False)
    assert_same(_samples(ours), theirs)
    assert ours.class_names == class_names == ["1", "2", "3", "4", "5", "6", "9"]


def test_prints_what_it_found(pictures, capsys):
    image_dataset_from_directory(pictures, validation_split=0.34, subset="validation", seed=1)
    assert capsys.readouterr().out.splitlines() == [
        "Found 9 files belonging to 2 classes.", "Using 3 files for validation."]


def test_bad_arguments_are_refused(pictures, tmp_path):
    with pytest.raises(ValueError, match="is not a directory"):
        image_dataset_from_directory(tmp_path / "nope")
    with pytest.raises(ValueError, match="color_mode must be one of"):
        image_dataset_from_directory(pictures, color_mode="cmyk")
    with pytest.raises(ValueError, match="interpolation must be"):
        image_dataset_from_directory(pictures, interpolation="lanczos3")
    with pytest.raises(ValueError, match="format must be 'torch'"):
        image_dataset_from_directory(pictures, format="tf")
    with pytest.raises(ValueError, match="cannot both be True"):
        image_dataset_from_directory(pictures, crop_to_aspect_ratio=True,
                                     pad_to_aspect_ratio=True)
    with pytest.raises(ValueError, match="pass a seed"):
        image_dataset_from_directory(pictures, validation_split=0.2, subset="training")
    with pytest.raises(ValueError, match="needs exactly 2 classes"):
        (pictures / "birds").mkdir()
        (pictures / "birds" / "b.png").write_bytes((pictures / "cats" / "cats_0.png")
                                                   .read_bytes())
        image_dataset_from_directory(pictures, label_mode="binary", verbose=False)


def test_labels_may_be_a_numpy_array(pictures):
    labels = np.array([0, 1, 0, 1, 0, 1, 0, 1, 1])
    ours = image_dataset_from_directory(pictures, labels=labels, image_size=(8, 8),
                                        shuffle=False, verbose=False)
    assert [int(y) for _, y in _samples(ours)] == labels.tolist()
