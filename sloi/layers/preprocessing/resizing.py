"""``Resizing``: resize images to a fixed height and width (Keras 3)."""

from __future__ import annotations

from sloi.engine import Layer
from sloi.kernels.conv import normalize_data_format
from sloi.layers.preprocessing import image_resizing


class Resizing(Layer):
    """Resizes a batch of images (or one image) to ``(height, width)``.

    Args:
        height, width: the output size.
        interpolation: ``"bilinear"`` (default), ``"nearest"``, ``"bicubic"`` (as Keras on
            its torch backend: ``F.interpolate`` with half-pixel centres) or ``"area"`` (an
            exact box filter, as TensorFlow's; Keras on torch refuses it).
            ``"lanczos3"``, ``"lanczos5"``, ``"gaussian"``, ``"mitchellcubic"`` exist only
            with TensorFlow and are refused.
        crop_to_aspect_ratio: crop the largest centred box of the target aspect ratio
            first, so the image is not distorted.
        pad_to_aspect_ratio: pad the image (with ``fill_value``) to the target aspect ratio
            first instead.
        fill_mode: ``"constant"`` only (as Keras on torch).
        fill_value: the padding value with ``pad_to_aspect_ratio``.
        antialias: anti-aliasing filter when downsampling (bilinear and bicubic).
        data_format: ``"channels_last"`` (default, ``(batch, height, width, channels)``) or
            ``"channels_first"``.

    Input shape: rank 4 ``(batch, height, width, channels)`` (or channels first), or rank 3
    for one image. Output shape: the same with the new height and width. Integer images
    are rounded back to their dtype.
    """

    def __init__(self, height, width, interpolation="bilinear", crop_to_aspect_ratio=False,
                 pad_to_aspect_ratio=False, fill_mode="constant", fill_value=0.0,
                 antialias=False, data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f'Layer "{self.name}" (Resizing)'
        for key, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{where}: `{key}` must be a positive integer; got {value!r}")
        if interpolation in image_resizing.UNSUPPORTED:
            raise ValueError(f"{where}: interpolation={interpolation!r} exists only with "
                             "TensorFlow (Keras on torch refuses it too); use one of "
                             f"{image_resizing.INTERPOLATIONS}")
        if interpolation not in image_resizing.INTERPOLATIONS:
            raise ValueError(f"{where}: `interpolation` must be one of "
                             f"{image_resizing.INTERPOLATIONS}; got {interpolation!r}")
        if fill_mode != "constant":
            raise ValueError(f'{where}: `fill_mode` must be "constant"; got {fill_mode!r}')
        if crop_to_aspect_ratio and pad_to_aspect_ratio:
            raise ValueError(f"{where}: only one of `crop_to_aspect_ratio` and "
                             "`pad_to_aspect_ratio` can be True")
        self.height = height
        self.width = width
        self.interpolation = interpolation
        self.crop_to_aspect_ratio = crop_to_aspect_ratio
        self.pad_to_aspect_ratio = pad_to_aspect_ratio
        self.fill_mode = fill_mode
        self.fill_value = fill_value
        self.antialias = bool(antialias)
        try:
            self.data_format = normalize_data_format(data_format)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None

    def call(self, inputs):
        # refuses other ranks
        image_resizing.image_axes(self, tuple(inputs.shape), self.data_format)
        return image_resizing.resize(inputs, self.height, self.width, self.interpolation,
                                     self.crop_to_aspect_ratio, self.pad_to_aspect_ratio,
                                     self.fill_value, self.antialias, self.data_format)

    def compute_output_shape(self, input_shape):
        return image_resizing.resized_shape(self, input_shape, self.height, self.width,
                                            self.data_format)

    def compute_output_dtype(self, input_dtype):
        return input_dtype

    def get_config(self):
        return {
            **super().get_config(), "data_format": self.data_format, "height": self.height,
            "width": self.width, "interpolation": self.interpolation,
            "crop_to_aspect_ratio": self.crop_to_aspect_ratio,
            "pad_to_aspect_ratio": self.pad_to_aspect_ratio, "fill_mode": self.fill_mode,
            "fill_value": self.fill_value, "antialias": self.antialias,
        }
