"""``BaseSpatialDropout``: dropout of whole channels of images or volumes, which
``SpatialDropout2D`` and ``SpatialDropout3D`` specialise by fixing the rank."""

from __future__ import annotations

from sloi.engine import InputSpec
from sloi.kernels.conv import describe_layout, normalize_data_format
from sloi.layers.regularization.dropout import Dropout


class BaseSpatialDropout(Dropout):
    """Dropout of entire feature maps over ``rank`` spatial axes: one keep/drop draw per
    sample and channel, broadcast over the spatial axes (the ``noise_shape`` is fixed by the
    layer, as in Keras).

    Args:
        rank: number of spatial axes.
        rate: fraction of the channels to drop, between 0 and 1.
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.
        seed: an int makes the masks reproducible (see ``Dropout``).
    """

    def __init__(self, rank, rate, data_format=None, seed=None, **kwargs):
        if "noise_shape" in kwargs:  # fixed by the layer, as in Keras
            raise TypeError(f"{type(self).__name__}.__init__() got an unexpected keyword "
                            "argument 'noise_shape' (the layer drops whole channels)")
        super().__init__(rate, seed=seed, **kwargs)
        try:
            data_format = normalize_data_format(data_format)
        except ValueError as e:
            raise ValueError(f'Layer "{self.name}" ({type(self).__name__}): {e}') from None
        # one draw per (sample, channel), broadcast over the spatial axes
        self.noise_shape = ((None,) + (1,) * rank + (None,) if data_format == "channels_last"
                            else (None, None) + (1,) * rank)
        self.data_format = data_format
        self.input_spec = InputSpec(ndim=rank + 2, layout=describe_layout(rank, data_format))

    def get_config(self):
        config = super().get_config()
        # noise_shape is fixed by the layer; Keras's spatial dropouts take no ``trainable``
        # (they have no weights) and write none
        del config["noise_shape"], config["trainable"]
        return {**config, "data_format": self.data_format}
