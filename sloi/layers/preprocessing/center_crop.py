"""``CenterCrop``: the central ``height x width`` part of images (Keras 3)."""

from __future__ import annotations

from sloi.engine import Layer
from sloi.kernels.conv import normalize_data_format
from sloi.layers.preprocessing import image_resizing


class CenterCrop(Layer):
    """Crops the centre of images to ``(height, width)``.

    An image smaller than the target (in height or width) is not padded: as in Keras, the
    largest centred box of the target's aspect ratio is cut and resized (bilinear) to the
    target size.

    Args:
        height, width: the output size.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: rank 4 ``(batch, height, width, channels)`` (or channels first), or rank 3
    for one image; cast to the layer's dtype. Output shape: the same with the new height and
    width.
    """

    def __init__(self, height, width, data_format=None, **kwargs):
        super().__init__(**kwargs)
        where = f'Layer "{self.name}" (CenterCrop)'
        for key, value in (("height", height), ("width", width)):
            if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
                raise ValueError(f"{where}: `{key}` must be a positive integer; got {value!r}")
        self.height = height
        self.width = width
        try:
            self.data_format = normalize_data_format(data_format)
        except ValueError as e:
            raise ValueError(f"{where}: {e}") from None

    def call(self, inputs):
        x = inputs.to(self._dtype)
        h_axis, w_axis = image_resizing.image_axes(self, tuple(x.shape), self.data_format)
        h_diff, w_diff = x.shape[h_axis] - self.height, x.shape[w_axis] - self.width
        if h_diff >= 0 and w_diff >= 0:
            top, left = h_diff // 2, w_diff // 2
            return x.narrow(h_axis, top, self.height).narrow(w_axis, left, self.width)
        return image_resizing.resize(x, self.height, self.width, "bilinear",
                                     crop_to_aspect_ratio=True, data_format=self.data_format)

    def compute_output_shape(self, input_shape):
        return image_resizing.resized_shape(self, input_shape, self.height, self.width,
                                            self.data_format)

    def compute_output_dtype(self, input_dtype):
        return self._dtype

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format,
                "height": self.height, "width": self.width}
