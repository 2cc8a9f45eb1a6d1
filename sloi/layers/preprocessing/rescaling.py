"""``Rescaling``: ``inputs * scale + offset`` (Keras 3)."""

from __future__ import annotations

import numpy as np
import torch

from sloi.engine import Layer


class Rescaling(Layer):
    """Multiplies the inputs by ``scale`` and adds ``offset``, in the layer's dtype.

    Args:
        scale: a number, or a list / array broadcast against the inputs' last axis (one
            factor per channel): ``1 / 255`` maps ``[0, 255]`` to ``[0, 1]``.
        offset: a number (or array) added after scaling: ``scale=1 / 127.5, offset=-1``
            maps ``[0, 255]`` to ``[-1, 1]``.

    Input shape: any; integer inputs are cast to the layer's dtype (float32).
    Output shape: the input's.

    Example:
        >>> Rescaling(1 / 255)(torch.tensor([[0, 255]]))   # tensor([[0., 1.]])
    """

    def __init__(self, scale, offset=0.0, **kwargs):
        super().__init__(**kwargs)
        for key, value in (("scale", scale), ("offset", offset)):
            try:
                np.asarray(value, dtype=np.float64)
            except (TypeError, ValueError):
                raise TypeError(f'Layer "{self.name}" (Rescaling): `{key}` must be a number or '
                                f"an array of numbers; got {value!r}") from None
        self.scale = scale
        self.offset = offset
        self.supports_masking = True

    def call(self, inputs):
        dtype = self._dtype
        scale = torch.as_tensor(np.asarray(self.scale), device=inputs.device).to(dtype)
        offset = torch.as_tensor(np.asarray(self.offset), device=inputs.device).to(dtype)
        return inputs.to(dtype) * scale + offset

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def compute_output_dtype(self, input_dtype):
        return self._dtype

    def get_config(self):
        return {**super().get_config(), "scale": _plain(self.scale),
                "offset": _plain(self.offset)}

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in ("scale", "offset"):
            value = config.get(key)
            # Keras writes a numpy array as {"class_name": "__numpy__", "config": {...}}
            if isinstance(value, dict) and value.get("class_name") in ("__numpy__",
                                                                       "__tensor__"):
                inner = value.get("config", {})
                config[key] = np.asarray(inner.get("value"), dtype=inner.get("dtype"))
        return cls(**config)


def _plain(value):
    """Arrays and tensors as nested lists, so that the config is JSON."""
    if isinstance(value, (np.ndarray, np.generic, torch.Tensor)):
        return value.tolist()
    return value
