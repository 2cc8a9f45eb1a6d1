"""``Sequential``: a stack of layers, each fed by the one before.

Once the input shape is known (an ``Input`` first, ``input_shape=`` on the first layer, a call
of ``build``, or the first batch of data) the stack becomes a functional graph, and runs as one.
"""

from __future__ import annotations

import numpy as np

from sloi.engine import naming
from sloi.engine.call_inputs import describe_value
from sloi.engine.functional import Functional
from sloi.engine.input_layer import InputLayer
from sloi.engine.layer import Layer
from sloi.engine.model import Model
from sloi.engine.module_tools import layer_list
from sloi.engine.scopes import name_scope
from sloi.engine.string_inputs import is_string_data
from sloi.engine.symbolic import SymbolicTensor


class Sequential(Functional):
    """``Sequential([layer, ...])`` or ``Sequential()`` then ``add(layer)``."""

    def __init__(self, layers=None, trainable=True, name=None):
        Model.__init__(self, name=name or naming.unique_name("sequential"), trainable=trainable)
        self._stack: list[Layer] = []
        self._input_layer: InputLayer | None = None
        self.net = layer_list()
        for layer in layers or []:
            self.add(layer, rebuild=False)
        self._rebuild()

    @property
    def layers(self) -> list[Layer]:
        return list(self._stack)

    def _summary_rows(self) -> tuple[list, bool]:
        return self.layers, True

    @property
    def input_layer(self) -> InputLayer | None:
        """The ``InputLayer`` the stack starts from: the one given (``Input(...)`` first), or
        the one made from the first layer's ``input_shape`` or from ``build``; None while the
        input shape is unknown."""
        return self._input_layer

    def add(self, layer, rebuild=True) -> None:
        """Put ``layer`` on top of the stack (an ``Input(...)`` may come first)."""
        if isinstance(layer, SymbolicTensor) and isinstance(
                layer.history.layer, InputLayer):
            layer = layer.history.layer
        if isinstance(layer, InputLayer):
            if self._stack or self._input_layer is not None:
                raise ValueError(
                    f'Sequential "{self.name}": an Input can only come first, before any layer'
                )
            self._input_layer = layer
        elif not isinstance(layer, Layer):
            raise TypeError(
                f'Sequential "{self.name}".add() expects a layer; got {describe_value(layer)}'
            )
        else:
            if any(existing.name == layer.name for existing in self._stack):
                raise ValueError(
                    f'Sequential "{self.name}": the name "{layer.name}" is already used by a '
                    "layer of this model; every layer needs its own name"
                )
            self._stack.append(layer)
            self.net.append(layer)
        if rebuild:
            if self.built and not isinstance(layer, InputLayer):
                self._connect(self._outputs_struct, [layer])
            else:
                self._rebuild()

    def pop(self) -> Layer:
        """Remove and return the top layer."""
        if not self._stack:
            raise ValueError(f'Sequential "{self.name}" has no layers to pop')
        layer = self._stack.pop()
        self.net = layer_list(self._stack)
        self.built = False
        self._rebuild()
        return layer

    def _known_batch_shape(self):
        if self._input_layer is not None:
            return self._input_layer.batch_shape
        if self._stack:
            return self._stack[0]._batch_input_shape
        return None

    def _rebuild(self) -> None:
        shape = self._known_batch_shape()
        if shape is None or not self._stack:
            self.built = False
            return
        if self._input_layer is None:
            first = self._stack[0]
            self._input_layer = InputLayer(batch_shape=shape, dtype=first.dtype)
        self._connect(self._input_layer.output_tensor, self._stack)

    def _connect(self, x, layers) -> None:
        with name_scope(self.name):  # weights of the layers it builds: "sequential/dense/kernel"
            for layer in layers:
                x = layer(x)
                if not isinstance(x, SymbolicTensor):
                    raise ValueError(
                        f'Sequential "{self.name}": layer "{layer.name}" returns several '
                        "tensors; every layer of a Sequential model must have a single output "
                        "(use the functional API for more)"
                    )
        self._init_graph(self._input_layer.output_tensor, x)

    def build(self, input_shape=None) -> None:
        """Build for inputs of ``input_shape`` (batch included, e.g. ``(None, 1000)``)."""
        if input_shape is None:
            input_shape = self._known_batch_shape()
        if input_shape is None:
            raise ValueError(
                f'Sequential "{self.name}".build() needs an input_shape, e.g. build((None, 1000))'
            )
        if self._input_layer is None:
            self._input_layer = InputLayer(batch_shape=tuple(input_shape))
        self._rebuild()

    _call_adds_only_building = True  # once built, a call is Layer's (``repeat_caller``)

    def __call__(self, *args, **kwargs):
        if (not self.built and args and self._stack and self._input_layer is None
                and getattr(self._stack[0], "accepts_strings", False)
                and is_string_data(args[0])):
            # raw strings before any Input, for a first layer that reads them: the model
            # starts with a string input, as Keras builds on the first data it sees
            self._input_layer = InputLayer(batch_shape=(None,) + np.shape(args[0])[1:],
                                           dtype="string")
            try:
                self._rebuild()
            except Exception:
                self._input_layer = None  # the next call may bring other data
                raise
        if not self.built and args and hasattr(args[0], "shape"):
            if not self._stack:
                raise ValueError(f'Sequential "{self.name}" has no layers to call')
            self.build((None,) + tuple(args[0].shape[1:]))
        return super().__call__(*args, **kwargs)

    def _maybe_build(self, args, kwargs) -> None:
        if not self.built:
            self.build((None,) + tuple(args[0].shape[1:]))

