"""Merging layers: combine a list of tensors into one (``Concatenate``, ``Add``, ``Dot``, ...),
and their functional forms (``concatenate([a, b])`` creates the layer and calls it)."""

from sloi.layers.merging.add import Add, add
from sloi.layers.merging.average import Average, average
from sloi.layers.merging.concatenate import Concatenate, concatenate
from sloi.layers.merging.dot import Dot, dot
from sloi.layers.merging.maximum import Maximum, maximum
from sloi.layers.merging.minimum import Minimum, minimum
from sloi.layers.merging.multiply import Multiply, multiply
from sloi.layers.merging.subtract import Subtract, subtract

__all__ = [
    "Add", "Average", "Concatenate", "Dot", "Maximum", "Minimum", "Multiply", "Subtract",
    "add", "average", "concatenate", "dot", "maximum", "minimum", "multiply", "subtract",
]
