"""``SpatialDropout1D``: in training, drop whole channels of a sequence."""

from __future__ import annotations

from sloi.engine import InputSpec
from sloi.layers.regularization.dropout import Dropout


class SpatialDropout1D(Dropout):
    """Dropout of entire channels (feature maps) of a sequence (Tompson et al., 2015).

    Neighbouring steps of a convolution's output are strongly correlated, so dropping single
    values regularizes little; this layer drops a channel at *every* step at once (one
    keep/drop draw per sequence and channel), and scales the kept channels by
    ``1 / (1 - rate)``. In inference it returns its input.

    Args:
        rate: fraction of the channels to drop, between 0 and 1.
        seed: an int makes the sequence of masks reproducible (see ``Dropout``).

    Call arguments:
        inputs: a 3-D tensor.
        training: whether to drop; by default ``layer.training``.

    Input shape: ``(batch, steps, channels)``. Output shape: the input's.

    Example:
        >>> x = Input(shape=(996, 20))
        >>> y = SpatialDropout1D(0.2)(x)   # (None, 996, 20)
    """

    def __init__(self, rate, seed=None, **kwargs):
        # one draw per (sample, channel), broadcast along the steps
        super().__init__(rate, noise_shape=(None, 1, None), seed=seed, **kwargs)
        self.input_spec = InputSpec(ndim=3, layout="(batch, steps, channels)")

    def get_config(self):
        config = super().get_config()
        # noise_shape is fixed by the layer; Keras's spatial dropouts take no ``trainable``
        # (they have no weights) and write none: Keras refused a file that held it
        del config["noise_shape"], config["trainable"]
        return config
