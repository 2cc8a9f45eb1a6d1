"""``StackedRNNCells``: several cells as one, each step feeding the next cell's input."""

from __future__ import annotations

import inspect

from sloi.engine import Layer, tree
from sloi.engine.config_decoder import deserialize_layer, serialize_layer
from sloi.engine.module_tools import layer_list
from sloi.layers.recurrent.cell_states import zero_states


class StackedRNNCells(Layer):
    """Wraps a list of cells so that ``RNN`` runs them as one deeper cell.

    Its states nest per cell, as in Keras: ``state_size`` is ``[cell.state_size for each
    cell]`` (``[[3, 3], 2]`` for an ``LSTMCell(3)`` and a ``GRUCell(2)``), and ``call`` takes
    and returns one entry of states per cell. Output: the last cell's output.

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

    @property
    def state_size(self) -> list:
        return [cell.state_size for cell in self.cells]

    @property
    def output_size(self) -> int:
        return _output_size(self.cells[-1])

    def get_initial_state(self, batch_size=None) -> list:
        """Zero states, one entry per cell: the cell's own ``get_initial_state`` where it has
        one (a list for the built-in cells), else zeros shaped as its ``state_size``."""
        states = []
        for cell in self.cells:
            own = getattr(cell, "get_initial_state", None)
            size = cell.state_size
            if own is not None:
                states.append(own(batch_size=batch_size))
            elif isinstance(size, (list, tuple)):
                states.append(zero_states(self, batch_size, size))
            else:
                states.append(zero_states(self, batch_size, [size])[0])
        return states

    # RNN calls these before each sequence: each cell draws its dropout masks afresh, as a
    # cell of its own would (a mask kept from the last batch may not even fit this one)
    def reset_dropout_mask(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_dropout_mask"):
                cell.reset_dropout_mask()

    def reset_recurrent_dropout_mask(self) -> None:
        for cell in self.cells:
            if hasattr(cell, "reset_recurrent_dropout_mask"):
                cell.reset_recurrent_dropout_mask()

    def build(self, input_shape):
        shape = tuple(input_shape)
        for cell in self.cells:
            if isinstance(cell, Layer) and not cell.built:
                cell._build_input_shape = shape
                cell.build(shape)
                cell.built = True
            shape = shape[:-1] + (_output_size(cell),)

    def call(self, inputs, states, training=None):
        """``states``: one entry per cell (a list of its states, or its one state); returns
        ``(output, new_states)`` in that nesting, as Keras's ``StackedRNNCells`` does."""
        if len(states) != len(self.cells):
            raise ValueError(
                f'Layer "{self.name}" (StackedRNNCells) expects one entry of states per cell '
                f"({len(self.cells)}, nested as state_size {self.state_size}); got {len(states)}"
            )
        new_states = []
        for cell, own in zip(self.cells, states):
            as_list = isinstance(own, (list, tuple))
            # As Keras: `training` reaches only the cells whose call takes it.
            kwargs = {"training": training} if _accepts_training(cell) else {}
            inputs, own = cell.call(inputs, list(own) if as_list else [own], **kwargs)
            own = list(own) if isinstance(own, (list, tuple)) else [own]
            new_states.append(own if as_list or len(own) != 1 else own[0])
        return inputs, new_states[0] if len(new_states) == 1 else new_states

    def get_config(self):
        return {**super().get_config(), "cells": [serialize_layer(c) for c in self.cells]}

    @classmethod
    def from_config(cls, config, custom_objects=None):
        config = dict(config)
        cells = [deserialize_layer(c, custom_objects, owner="StackedRNNCells", key="cells")
                 for c in config.pop("cells")]
        return cls(cells, **config)


def _output_size(cell) -> int:
    size = getattr(cell, "output_size", None)
    if size is not None:
        return size
    return tree.flatten(cell.state_size)[0]


def _accepts_training(cell) -> bool:
    return "training" in inspect.signature(cell.call).parameters
