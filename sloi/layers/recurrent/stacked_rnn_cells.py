"""``StackedRNNCells``: several cells as one, each step feeding the next cell's input."""

from __future__ import annotations

import inspect

from sloi.engine import Layer
from sloi.engine.config_decoder import deserialize_layer, serialize_layer
from sloi.engine.module_tools import layer_list


class StackedRNNCells(Layer):
    """Wraps a list of cells so that ``RNN`` runs them as one deeper cell.

    Its states are all the cells' states, in order (flat). Output: the last cell's output.

    Example:
        >>> RNN(StackedRNNCells([LSTMCell(32), LSTMCell(16)]))
    """

    def __init__(self, cells, **kwargs):
        super().__init__(**kwargs)
        for cell in cells:
            if not hasattr(cell, "call") or not hasattr(cell, "state_size"):
                raise ValueError(
                    f'Layer "{self.name}" (StackedRNNCells): every cell needs call(inputs, '
                    f"states) and state_size; got {type(cell).__name__}"
                )
        self.cells = layer_list(cells)

    @staticmethod
    def _sizes(cell) -> list[int]:
        size = cell.state_size
        return list(size) if isinstance(size, (list, tuple)) else [size]

    @property
    def state_size(self) -> list[int]:
        return [s for cell in self.cells for s in self._sizes(cell)]

    @property
    def output_size(self) -> int:
        last = self.cells[-1]
        return getattr(last, "output_size", self._sizes(last)[0])

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._build_input_shape = shape
                cell.build(shape)
                cell.built = True
            shape = shape[:-1] + (getattr(cell, "output_size", self._sizes(cell)[0]),)

    def call(self, inputs, states, training=None):
        new_states, start = [], 0
        for cell in self.cells:
            count = len(self._sizes(cell))
            own = list(states[start:start + count])
            start += count
            # As Keras: `training` reaches only the cells whose call takes it.
            kwargs = {"training": training} if _accepts_training(cell) else {}
            inputs, own = cell.call(inputs, own, **kwargs)
            new_states += list(own) if isinstance(own, (list, tuple)) else [own]
        return inputs, new_states

    def get_config(self):
        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects, owner="StackedRNNCells", key="cells")
                 for c in config.pop("cells")]
        return cls(cells, **config)


def _accepts_training(cell) -> bool:
    return "training" in inspect.signature(cell.call).parameters
