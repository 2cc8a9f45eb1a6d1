"""Floor 2: the layer base, symbolic tensors and nodes, functional and sequential models."""

from sloi.engine.functional import Functional
from sloi.engine.input_layer import Input, InputLayer
from sloi.engine.input_spec import InputSpec
from sloi.engine.layer import Layer
from sloi.engine.model import Model
from sloi.engine.naming import clear_session
from sloi.engine.sequential import Sequential
from sloi.engine.symbolic import Node, SymbolicTensor

__all__ = [
    "Functional", "Input", "InputLayer", "InputSpec", "Layer", "Model", "Node", "Sequential",
    "SymbolicTensor", "clear_session",
]
