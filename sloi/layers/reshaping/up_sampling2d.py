"""``UpSampling2D``: enlarge images by integer factors, repeating pixels or interpolating."""

from __future__ import annotations

from sloi.kernels.resampling import INTERPOLATIONS
from sloi.layers.reshaping.base_up_sampling import BaseUpSampling


class UpSampling2D(BaseUpSampling):
    """Upsampling of images: ``size[0]`` times the rows, ``size[1]`` times the columns.

    Args:
        size: int or ``(rows, cols)`` factors, ``(2, 2)`` by default.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        interpolation: ``"nearest"`` (default: each pixel repeated into a block),
            ``"bilinear"`` or ``"bicubic"`` (half-pixel centres, no antialiasing: what
            ``keras.ops.image.resize`` computes on PyTorch). Keras's ``"lanczos3"`` /
            ``"lanczos5"`` exist on no PyTorch kernel, and Keras's torch backend refuses them too.

    Input shape: ``(batch, rows, cols, channels)`` (or channels first).
    Output shape: ``(batch, rows * size[0], cols * size[1], channels)`` (or channels first).

    Example:
        >>> x = Input(shape=(7, 7, 16))
        >>> y = UpSampling2D(2, interpolation="bilinear")(x)   # (None, 14, 14, 16)
    """

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", **kwargs):
        super().__init__(2, size, data_format, **kwargs)
        name = interpolation.lower() if isinstance(interpolation, str) else interpolation
        if name not in INTERPOLATIONS:
            raise self._error(f"`interpolation` must be one of {INTERPOLATIONS}; got "
                              f"{interpolation!r}")
        self.interpolation = name

    def get_config(self):
        return {**super().get_config(), "interpolation": self.interpolation}
