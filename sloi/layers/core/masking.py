"""``Masking``: hide the time steps whose features all equal ``mask_value``."""

from __future__ import annotations

from sloi.engine import Layer


class Masking(Layer):
    """Marks padding steps: a step whose features all equal ``mask_value`` is masked for the
    layers downstream (recurrent layers skip it), and its features are zeroed.

    Args:
        mask_value: the padding value (0.0 by default).

    Input shape: ``(batch, timesteps, features)``; output the same, with a ``(batch,
    timesteps)`` mask.
    """

    def __init__(self, mask_value=0.0, **kwargs):
        super().__init__(**kwargs)
        self.mask_value = mask_value
        self.supports_masking = True

    def compute_mask(self, inputs, previous_mask=None):
        return (inputs != self.mask_value).any(dim=-1)

    def call(self, inputs):
        keep = (inputs != self.mask_value).any(dim=-1, keepdim=True)
        return inputs * keep.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return input_shape

    def get_config(self):
        return {**super().get_config(), "mask_value": self.mask_value}
