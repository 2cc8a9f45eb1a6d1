"""``SpatialDropout2D``: in training, drop whole channels of an image."""

from __future__ import annotations

from sloi.layers.regularization.base_spatial_dropout import BaseSpatialDropout


class SpatialDropout2D(BaseSpatialDropout):
    """Dropout of entire 2-D feature maps (Tompson et al., 2015): one keep/drop draw per image
    and channel, the same at every pixel, since neighbouring pixels of a feature map are too
    correlated for element-wise dropout to regularize. Kept channels are scaled by
    ``1 / (1 - rate)``; in inference the layer returns its input.

    Args:
        rate: fraction of the channels to drop, between 0 and 1.
        data_format: ``"channels_last"`` (default, ``(batch, height, width, channels)``) or
            ``"channels_first"`` (``(batch, channels, height, width)``).
        seed: an int makes the masks reproducible (see ``Dropout``).

    Call arguments:
        inputs: a 4-D tensor.
        training: whether to drop; by default ``layer.training``.

    Input shape / Output shape: ``(batch, height, width, channels)`` (or channels first).

    Example:
        >>> x = Input(shape=(32, 32, 16))
        >>> y = SpatialDropout2D(0.2)(x)   # (None, 32, 32, 16)
    """

    def __init__(self, rate, data_format=None, seed=None, **kwargs):
        super().__init__(2, rate, data_format=data_format, seed=seed, **kwargs)
