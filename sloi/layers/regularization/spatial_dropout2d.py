"""``SpatialDropout2D``: in training, drop whole channels of an image."""

from __future__ import annotations

from sloi.engine import InputSpec
from sloi.kernels.conv import describe_layout, normalize_data_format
from sloi.layers.regularization.dropout import Dropout


class SpatialDropout2D(Dropout):
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
        if "noise_shape" in kwargs:  # fixed by the layer, as in Keras
            raise TypeError("SpatialDropout2D.__init__() got an unexpected keyword argument "
                            "'noise_shape' (the layer drops whole channels)")
        super().__init__(rate, seed=seed, **kwargs)
        try:
            data_format = normalize_data_format(data_format)
        except ValueError as e:
            raise ValueError(f'Layer "{self.name}" (SpatialDropout2D): {e}') from None
        # one draw per (sample, channel), broadcast over the spatial axes
        self.noise_shape = ((None, 1, 1, None) if data_format == "channels_last"
                            else (None, None, 1, 1))
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=4, layout=describe_layout(2, data_format))

    def get_config(self):
        config = super().get_config()
        # noise_shape is fixed by the layer; Keras's spatial dropouts take no ``trainable``
        # (they have no weights) and write none
        del config["noise_shape"], config["trainable"]
        return {**config, "data_format": self.data_format}
