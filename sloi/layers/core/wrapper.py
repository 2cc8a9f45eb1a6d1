"""``Wrapper``: the base of layers that take another layer and change how it runs."""

from __future__ import annotations

from sloi.engine import Layer


class Wrapper(Layer):
    """Abstract base of wrappers (``SpectralNormalization``, ...): a layer that holds another
    layer, ``self.layer``, builds it, and owns its weights (they appear after the wrapper's own
    ones in ``weights``).

    Args:
        layer: the layer to wrap (a sloi ``Layer``).

    Its config holds the wrapped layer's config under ``"layer"``; ``from_config`` rebuilds
    the wrapped layer from ``sloi.layers`` by class name, or from ``custom_objects``.
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
            "layer": {"module": "keras.layers", "class_name": type(self.layer).__name__,
                      "config": self.layer.get_config(), "registered_name": None},
        }

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        return cls(layer_from_config(cls.__name__, config.pop("layer"), custom_objects), **config)


def layer_from_config(owner: str, spec, custom_objects=None) -> Layer:
    """The layer a wrapper's config names: a layer object as is (the loader has already
    resolved custom layers), else ``{"class_name", "config"}`` looked up in ``custom_objects``
    and then in ``sloi.layers``."""
    if isinstance(spec, Layer):
        return spec
    if not isinstance(spec, dict) or "class_name" not in spec:
        raise ValueError(f"{owner}.from_config: `layer` must be a layer or a layer config "
                         f"with a class_name; got {spec!r}")
    import sloi.layers  # the family packages, by name: a layer of this floor

    name = spec["class_name"]
    found = (custom_objects or {}).get(name)
    if found is None:
        found = getattr(sloi.layers, name, None)
    if not (isinstance(found, type) and issubclass(found, Layer)):
        raise ValueError(f"{owner}.from_config: unknown layer class {name!r}; pass it in "
                         f"custom_objects={{{name!r}: {name}}}")
    return found.from_config(spec.get("config") or {})
