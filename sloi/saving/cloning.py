"""``clone_model``: the same architecture with new layers (and new weights), as Keras does."""

from __future__ import annotations

from sloi.engine import Functional, InputLayer, Sequential
from sloi.layers.core.lambda_layer import Lambda
from sloi.saving import functional_config


def _clone_layer(layer):
    if isinstance(layer, (Functional, Sequential)):
        return clone_model(layer)
    if isinstance(layer, Lambda):
        # The same function objects, not names to look up again.
        config = {**layer.get_config(), "function": layer.function, "mask": layer.mask,
                  "output_shape": layer.output_shape_rule}
        return type(layer)(**config)
    return type(layer).from_config(layer.get_config())


def clone_model(model, input_tensors=None, clone_function=None):
    """A new model with the architecture of ``model`` and freshly initialized weights.

    Args:
        model: a Sequential, functional or (with ``get_config``) subclassed model.
        input_tensors: not supported; must be None.
        clone_function: ``f(layer) -> new layer``, called for each layer; by default
            ``type(layer).from_config(layer.get_config())`` (nested models are cloned whole).
    """
    if input_tensors is not None:
        raise ValueError("clone_model(input_tensors=...) is not supported by sloi")
    make = clone_function or _clone_layer
    if isinstance(model, Sequential):
        layers = [make(layer) for layer in model.layers]
        if model.input_layer is not None:
            layers.insert(0, InputLayer.from_config(model.input_layer.get_config()))
        return type(model)(layers=layers, name=model.name, trainable=model.trainable)
    if isinstance(model, Functional):
        originals = {layer.name: layer for layer in model.layers}

        def make_layer(layer_data):
            original = originals[layer_data["name"]]
            if isinstance(original, InputLayer):
                return InputLayer.from_config(original.get_config())
            return make(original)

        return functional_config.functional_from_config(
            type(model), model.get_config(), make_layer=make_layer)
    return type(model).from_config(model.get_config())
