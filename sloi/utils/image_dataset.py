"""``image_dataset_from_directory``: image files in class folders, as batches of tensors."""

from __future__ import annotations

from torch.utils.data import Dataset

from sloi import settings
from sloi.utils.directory_index import (
    check_labels,
    check_split,
    encode_label,
    list_files,
    make_loaders,
)
from sloi.utils.image_utils import pil_image, read_image, resize_images

ALLOWLIST_FORMATS = (".bmp", ".gif", ".jpeg", ".jpg", ".png")
_CHANNELS = {"rgb": 3, "rgba": 4, "grayscale": 1}
_WHAT = "image_dataset_from_directory"


def image_dataset_from_directory(directory, labels="inferred", label_mode="int",
                                 class_names=None, color_mode="rgb", batch_size=32,
                                 image_size=(256, 256), shuffle=True, seed=None,
                                 validation_split=None, subset=None, interpolation="bilinear",
                                 follow_links=False, crop_to_aspect_ratio=False,
                                 pad_to_aspect_ratio=False, data_format=None, format="torch",
                                 verbose=True):
    """The images under ``directory`` (``.bmp .gif .jpeg .jpg .png``) with their labels, as
    Keras 3 reads them.

    With ``labels="inferred"`` each sub-folder is a class (alphanumeric order, or the order of
    ``class_names``)::

        main_directory/
            class_a/  a_image_1.jpg  a_image_2.jpg
            class_b/  b_image_1.jpg

    The file list, its seeded shuffle and the validation split are Keras's, so a seed puts the
    same files in the same subsets as Keras. Each image is read with Pillow, converted to
    ``color_mode``, and resized to ``image_size`` as Keras's torch backend resizes
    (``F.interpolate``, no antialias), after an optional centre crop / pad to the target's
    aspect ratio.

    Keras returns a ``tf.data.Dataset``; sloi returns a ``torch.utils.data.DataLoader`` whose
    batches are ``(images, labels)``: float32 images ``(batch, height, width, channels)``
    (channels first with ``data_format="channels_first"``), labels as ``label_mode`` says (just
    ``images`` without labels). Its ``class_names`` and ``file_paths`` attributes are Keras's.
    With ``shuffle``, the training data is reshuffled every epoch (a torch generator seeded
    with ``seed``), as Keras's shuffle buffer does.

    Args:
        directory: the folder to read.
        labels: ``"inferred"``, None (no labels) or a list of integer labels, one per image in
            sorted path order.
        label_mode: ``"int"`` (int32), ``"categorical"`` (float32 one-hot), ``"binary"``
            (float32, ``(batch, 1)``, exactly 2 classes) or None (no labels).
        class_names: with ``labels="inferred"``, the sub-folders to use, in label order.
        color_mode: ``"rgb"``, ``"rgba"`` or ``"grayscale"`` (3, 4 or 1 channels).
        batch_size: images per batch; None yields single images.
        image_size: ``(height, width)`` every image is resized to (an int: a square).
        shuffle: shuffle the files (default) or keep them in alphanumeric order.
        seed: seed for the shuffles; required with ``validation_split`` and ``shuffle``.
        validation_split: fraction of the files held out for validation (the last ones).
        subset: ``"training"``, ``"validation"`` or ``"both"`` (a list of the two loaders).
        interpolation: ``"bilinear"``, ``"nearest"`` or ``"bicubic"`` (the ones Keras's torch
            backend can resize with; the others raise).
        follow_links: follow symbolic links to sub-folders.
        crop_to_aspect_ratio: crop the centre to ``image_size``'s aspect ratio first.
        pad_to_aspect_ratio: pad with zeros to ``image_size``'s aspect ratio first.
        data_format: ``"channels_last"`` or ``"channels_first"`` (default: the global one).
        format: ``"torch"`` (a DataLoader). Keras's ``"tf"`` / ``"grain"`` need libraries
            sloi does not use and are refused.
        verbose: print how many files and classes were found.
    """
    labels = check_labels(labels, label_mode, class_names, _WHAT)
    image_size = _check_arguments(color_mode, image_size, interpolation, crop_to_aspect_ratio,
                                  pad_to_aspect_ratio, format)
    check_split(validation_split, subset, shuffle, seed, _WHAT)
    data_format = settings.image_data_format() if data_format is None else data_format
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(f'{_WHAT}: data_format must be "channels_last" or "channels_first"; '
                         f"got data_format={data_format!r}")
    pil_image(_WHAT)  # fail before any work when Pillow is missing
    paths, labels, class_names, label_mode, seed = list_files(
        directory, labels, label_mode, ALLOWLIST_FORMATS, class_names, shuffle, seed,
        follow_links, verbose, _WHAT)
    num_classes = len(class_names) if class_names else 0
    resize = {"size": image_size, "interpolation": interpolation,
              "crop_to_aspect_ratio": crop_to_aspect_ratio,
              "pad_to_aspect_ratio": pad_to_aspect_ratio}

    def images(part_paths, part_labels):
        return ImageFiles(part_paths, part_labels, label_mode, num_classes,
                          _CHANNELS[color_mode], resize, data_format)

    return make_loaders(
        images, paths, labels, class_names, validation_split=validation_split, subset=subset,
        shuffle=shuffle, seed=seed, batch_size=batch_size, collate_fn=None, verbose=verbose,
        missing=lambda part: (f"{_WHAT}: no {part + ' ' if part else ''}images found in "
                              f"{directory!r}; allowed formats: {ALLOWLIST_FORMATS}"))


def _check_arguments(color_mode, image_size, interpolation, crop_to_aspect_ratio,
                     pad_to_aspect_ratio, format):
    if color_mode not in _CHANNELS:
        raise ValueError(f"{_WHAT}: color_mode must be one of {list(_CHANNELS)}; got "
                         f"color_mode={color_mode!r}")
    if isinstance(image_size, int):
        image_size = (image_size, image_size)
    if not isinstance(image_size, (list, tuple)) or len(image_size) != 2:
        raise ValueError(f"{_WHAT}: image_size must be (height, width); got "
                         f"image_size={image_size!r}")
    if interpolation not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"{_WHAT}: interpolation must be 'bilinear', 'nearest' or 'bicubic' "
                         f"(what the torch backend can resize with); got "
                         f"interpolation={interpolation!r}")
    if crop_to_aspect_ratio and pad_to_aspect_ratio:
        raise ValueError(f"{_WHAT}: crop_to_aspect_ratio and pad_to_aspect_ratio cannot both "
                         "be True")
    if format != "torch":
        raise ValueError(f"{_WHAT}: format must be 'torch' (a DataLoader); Keras's 'tf' and "
                         f"'grain' datasets need TensorFlow / Grain; got format={format!r}")
    return tuple(int(d) for d in image_size)


class ImageFiles(Dataset):
    """Map-style dataset of ``(image, label)`` read from files on demand (just ``image``
    when there are no labels)."""

    def __init__(self, paths, labels, label_mode, num_classes, num_channels, resize,
                 data_format):
        self.paths, self.labels = paths, labels
        self.label_mode, self.num_classes = label_mode, num_classes
        self.num_channels, self.resize, self.data_format = num_channels, resize, data_format

    def __len__(self):
        return len(self.paths)

    def __getitem__(self, index):
        image = resize_images(read_image(self.paths[index], self.num_channels, _WHAT),
                              **self.resize)
        if self.data_format == "channels_first":
            image = image.permute(2, 0, 1).contiguous()
        if self.labels is None:
            return image
        return image, encode_label(self.labels[index], self.label_mode, self.num_classes)
