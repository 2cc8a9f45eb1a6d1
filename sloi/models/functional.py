"""The public ``Functional`` model: the engine's graph with ``Model``'s training and saving.

Its config is Keras 3's functional config (``layers``, ``input_layers``, ``output_layers``),
written and read by ``sloi.saving.functional_config``.
"""

from __future__ import annotations

from sloi.engine import functional as graph
from sloi.models.model import Model, functional_like_constructor
from sloi.saving import functional_config


class Functional(graph.Functional, Model):
    """A model defined by its inputs and outputs: ``Model(inputs=x, outputs=y)``."""

    config_class_name = "Functional"

    def get_config(self) -> dict:
        if not functional_like_constructor(type(self)):
            # a subclass whose __init__ builds the graph: its own arguments rebuild it
            return Model.get_config(self)
        return functional_config.functional_get_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        if not functional_like_constructor(cls):
            return cls(**config)
        return functional_config.functional_from_config(cls, config, custom_objects)
