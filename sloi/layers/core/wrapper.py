"""``Wrapper``: the base of layers that take another layer and change how it runs."""

from __future__ import annotations

from sloi.engine import Layer
from sloi.engine.config_decoder import deserialize_layer, serialize_layer


class Wrapper(Layer):
    """Abstract base of wrappers (``SpectralNormalization``, ...): a layer that holds another
    layer, ``self.layer``, builds it, and owns its weights (they appear after the wrapper's own
    ones in ``weights``).

    Args:
        layer: the layer to wrap (a sloi ``Layer``).

    Its config holds the wrapped layer's config under ``"layer"``; ``from_config`` rebuilds
    the wrapped layer by class name: sloi's own, registered, or given in ``custom_objects``.
    Subclasses implement ``call``.
    """

    def __init__(self, layer, **kwargs):
        if not isinstance(layer, Layer):
            raise ValueError(
                f"{type(self).__name__} wraps a sloi layer; got {type(layer).__name__} "
                f"({layer!r}). (A torch.nn.Module becomes a layer through TorchModuleWrapper.)"
            )
        super().__init__(**kwargs)
        self.layer = layer

    def build(self, input_shape=None):
        if not self.layer.built:
            self.layer.build(input_shape)
            self.layer.built = True

    def get_config(self):
        return {
            **super().get_config(),
            "layer": serialize_layer(self.layer),
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        layer = deserialize_layer(config.pop("layer"), custom_objects, owner=cls.__name__)
        return cls(layer, **config)

