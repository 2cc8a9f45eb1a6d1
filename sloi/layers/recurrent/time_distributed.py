"""``TimeDistributed``: apply one layer to every time step of a sequence, with shared weights.

``TimeDistributed(Conv2D(8, 3))`` on a video ``(batch, frames, height, width, channels)``
convolves every frame with the same kernel. It runs as one call on ``(batch * frames, ...)``.
"""

from __future__ import annotations

from sloi.engine import InputSpec, Layer


class TimeDistributed(Layer):
    """Applies ``layer`` to each slice along axis 1.

    Args:
        layer: any layer taking ``(batch, ...)``.

    Input shape: ``(batch, timesteps, ...)``. Output shape: ``(batch, timesteps, ...)`` with
    the wrapped layer's output shape after the time axis.
    """

    def __init__(self, layer, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(layer, Layer):
            raise ValueError(
                f'Layer "{self.name}" (TimeDistributed) wraps a layer; got '
                f"{type(layer).__name__}"
            )
        self.layer = layer
        self.supports_masking = True
        self.input_spec = InputSpec(min_ndim=3, layout="(batch, timesteps, ...)")

    def build(self, input_shape):
        inner = (None,) + tuple(input_shape[2:])
        if not self.layer.built:
            self.layer._build_input_shape = inner
            self.layer.build(inner)
            self.layer.built = True

    def call(self, inputs, training=None):
        batch, steps = inputs.shape[0], inputs.shape[1]
        flat = inputs.reshape((batch * steps,) + tuple(inputs.shape[2:]))
        kwargs = {"training": training} if training is not None and self.layer._call_accepts(
            "training") else {}
        out = self.layer(flat, **kwargs)
        return out.reshape((batch, steps) + tuple(out.shape[1:]))

    def compute_mask(self, inputs, previous_mask=None):
        return previous_mask

    def get_config(self):
        return {**super().get_config(), "layer": {"class_name": type(self.layer).__name__,
                                                  "config": self.layer.get_config()}}

    @classmethod
    def from_config(cls, config):
        import sloi.layers

        config = dict(config)
        spec = config.pop("layer")
        layer_cls = getattr(sloi.layers, spec["class_name"], None)
        if layer_cls is None:
            raise ValueError(f"TimeDistributed.from_config: unknown layer class "
                             f"{spec['class_name']!r}")
        return cls(layer_cls.from_config(spec["config"]), **config)
