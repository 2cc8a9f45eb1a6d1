"""``Flatten``: fold every axis but the batch into one."""

import math

from sloi import settings
from sloi.engine import InputSpec, Layer


def _standardize_data_format(layer_name, data_format):
    data_format = settings.image_data_format() if data_format is None else str(
        data_format).lower()
    if data_format not in ("channels_last", "channels_first"):
        raise ValueError(
            f'Layer "{layer_name}" (Flatten): data_format must be "channels_last" or '
            f'"channels_first"; got {data_format!r}'
        )
    return data_format


class Flatten(Layer):
    """Flattens the input, keeping the batch axis: ``(batch, d1, ..., dn)`` becomes
    ``(batch, d1 * ... * dn)``.

    Values are read in channels-last order (``(h, w, c)``, a free reshape). With
    ``data_format="channels_first"`` the input ``(batch, c, h, w)`` is first moved to
    ``(batch, h, w, c)``, as Keras does, so that a model's Dense weights read the same values
    whichever layout the convolutions used.

    Args:
        data_format: ``"channels_last"`` (default) or ``"channels_first"``.

    Input shape: ``(batch, ...)``, rank 1 or more. Output shape: ``(batch, product)``, with
    ``None`` if any non-batch size is unknown; ``(batch,)`` gives ``(batch, 1)``.

    Example:
        >>> x = Input(shape=(10, 64))
        >>> y = Flatten()(x)   # (None, 640)
    """

    def __init__(self, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.data_format = _standardize_data_format(self.name, data_format)
        self.input_spec = InputSpec(min_ndim=1, layout="(batch, ...)")

    def call(self, inputs):
        if self.data_format == "channels_first" and inputs.ndim > 2:
            inputs = inputs.movedim(1, -1)
        return inputs.reshape(inputs.shape[0], math.prod(inputs.shape[1:]))

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape[1:])
        size = None if None in rest else math.prod(rest)
        return (input_shape[0], size)

    def get_config(self):
        return {**super().get_config(), "data_format": self.data_format}
