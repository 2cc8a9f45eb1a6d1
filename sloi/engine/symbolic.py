"""The call history of a model under construction: ``SymbolicTensor`` and ``Node``.

A ``SymbolicTensor`` stands for a tensor that does not exist yet: it knows its shape (``None``
for sizes known only at run time, the batch first of all), its dtype and the ``Node`` that will
produce it. A ``Node`` records one call of one layer: the arguments it was given, with symbolic
tensors inside, and the symbolic tensors it returned. ``Model(inputs, outputs)`` walks these
nodes back from the outputs.
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass

from sloi.engine import tree
from sloi.engine.dtypes import STRING, dtype_name, is_string_dtype, standardize_dtype


@dataclass(frozen=True)
class History:
    """Where a symbolic tensor comes from:
    ``layer.inbound_nodes[node_index].outputs[tensor_index]``."""

    layer: object
    node_index: int
    tensor_index: int


class SymbolicTensor:
    """A placeholder for a tensor in a graph being built (Keras's ``KerasTensor``)."""

    def __init__(self, shape, dtype="float32", name=None, history=None, mask=None):
        self.shape = tuple(None if d is None else int(d) for d in shape)
        self.dtype = STRING if is_string_dtype(dtype) else standardize_dtype(dtype)
        self.name = name
        #: the ``History`` (layer, node index, tensor index) of the call that made this
        #: tensor; None for a tensor not yet recorded
        self.history = history
        #: the symbolic mask this tensor carries (``Embedding(mask_zero=True)``), or None
        self.mask = mask

    # Keras's own names for the two above, which Keras code reads
    @property
    def _keras_history(self):
        return self.history

    @_keras_history.setter
    def _keras_history(self, value):
        self.history = value

    @property
    def _keras_mask(self):
        return self.mask

    @_keras_mask.setter
    def _keras_mask(self, value):
        self.mask = value

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def node(self):
        h = self.history
        return None if h is None else h.layer.inbound_nodes[h.node_index]

    def describe(self) -> str:
        """``shape (None, 1000) from layer "dense"``: for error messages."""
        text = f"shape {format_shape(self.shape)}"
        if self.history is not None:
            text += f' from layer "{self.history.layer.name}"'
        return text

    def __repr__(self):
        return (
            f"<SymbolicTensor shape={format_shape(self.shape)}, "
            f"dtype={dtype_name(self.dtype)}, name={self.name}>"
        )

    def __len__(self):
        if self.shape and self.shape[0] is not None:
            return self.shape[0]
        raise TypeError(f"{self!r} has no fixed length: its first dimension is None")

    def __bool__(self):
        raise TypeError(
            f"{self!r} is symbolic: it has no value to test. Build the model, then call it on data."
        )

    def __array__(self, *args, **kwargs):
        raise TypeError(
            f"{self!r} is symbolic and cannot become a numpy array: it has no value until the "
            "model is called on data."
        )

    # Python's operators record op nodes, as Keras's KerasTensor does: ``x + inputs``,
    # ``2 * x``, ``x[:, -1]``. The ops live in ``operators`` (same floor, imported on first
    # use: that module builds on this one). ``==`` stays identity, as in Keras, so symbolic
    # tensors can key dicts.
    __hash__ = object.__hash__

    def __getitem__(self, key):
        return _operators().get_item(self, key)

    def __round__(self, ndigits=None):
        return _operators().round(self, decimals=ndigits or 0)


def _operators():
    from sloi.engine import operators  # noqa: PLC0415 - operators imports this module

    return operators


def _binary(dunder: str):
    def method(self, other):
        op, swapped = _operators().BINARY[dunder]
        return op(other, self) if swapped else op(self, other)

    method.__name__ = dunder
    return method


def _unary(dunder: str):
    def method(self):
        return _operators().UNARY[dunder](self)

    method.__name__ = dunder
    return method


for _dunder in (
    "__add__", "__radd__", "__sub__", "__rsub__", "__mul__", "__rmul__", "__truediv__",
    "__rtruediv__", "__floordiv__", "__rfloordiv__", "__mod__", "__rmod__", "__pow__",
    "__rpow__", "__matmul__", "__rmatmul__", "__lt__", "__le__", "__gt__", "__ge__", "__ne__",
    "__and__", "__rand__", "__or__", "__ror__", "__xor__", "__rxor__",
):
    setattr(SymbolicTensor, _dunder, _binary(_dunder))
for _dunder in ("__neg__", "__abs__", "__invert__"):
    setattr(SymbolicTensor, _dunder, _unary(_dunder))


class Node:
    """One call of ``layer`` while a graph was being built."""

    def __init__(self, layer, call_args: tuple, call_kwargs: dict, outputs):
        self.layer = layer
        self.call_args = call_args
        self.call_kwargs = call_kwargs
        self.outputs = outputs  # the layer's return value, with SymbolicTensors as leaves
        self.input_tensors = [
            x for x in tree.flatten((call_args, call_kwargs)) if isinstance(x, SymbolicTensor)
        ]
        self.output_tensors = tree.flatten(outputs)
        self._named_mask_args = None

    @property
    def named_mask_args(self) -> list:
        """``[("query_mask", tensor given as query), ...]``: as in Keras, a layer whose call
        takes ``<arg>_mask`` gets the mask carried by the tensor passed as ``<arg>``. Read
        from the layer's signature once."""
        if self._named_mask_args is None:
            params = inspect.signature(self.layer.call).parameters
            bound = inspect.signature(self.layer.call).bind_partial(*self.call_args,
                                                                    **self.call_kwargs)
            self._named_mask_args = [
                (f"{name}_mask", value) for name, value in bound.arguments.items()
                if isinstance(value, SymbolicTensor) and f"{name}_mask" in params]
        return self._named_mask_args

    @property
    def parent_nodes(self) -> list:
        return [x.node for x in self.input_tensors if x.node is not None]

    @property
    def is_input(self) -> bool:
        return not self.input_tensors

    def __repr__(self):
        return f"<Node {self.layer.name} inputs={len(self.input_tensors)}>"


def format_shape(shape) -> str:
    """A shape as Python writes a tuple: ``(None, 16)``, ``(16,)``."""
    return str(tuple(shape))


def any_symbolic(structure) -> bool:
    """Whether any leaf of ``structure`` is a ``SymbolicTensor``."""
    return any(isinstance(x, SymbolicTensor) for x in tree.flatten(structure))
