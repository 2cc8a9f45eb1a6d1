"""The public ``Sequential`` model: the engine's layer stack with ``Model``'s training and
saving."""

from __future__ import annotations

from sloi.engine import sequential as graph
from sloi.models.functional import Functional
from sloi.saving import functional_config


class Sequential(graph.Sequential, Functional):
    """A plain stack of layers, each taking the previous one's output: ``Sequential([...])``."""

    config_class_name = "Sequential"

    def get_config(self) -> dict:
        return functional_config.sequential_get_config(self)

    @classmethod
    def from_config(cls, config: dict, custom_objects=None):
        return functional_config.sequential_from_config(cls, config, custom_objects)
