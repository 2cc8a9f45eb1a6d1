"""``Input()`` and ``InputLayer``: where a graph starts."""

from __future__ import annotations

from sloi.engine import naming
from sloi.engine.dtypes import STRING, is_string_dtype
from sloi.engine.layer import Layer
from sloi.engine.symbolic import History, Node, SymbolicTensor


class InputLayer(Layer):
    """The layer behind ``Input()``: it owns the graph's starting symbolic tensor.

    Args:
        shape: shape without the batch, e.g. ``(1000,)`` or ``(64, 64, 1)``.
        batch_size: fixed batch size, or None.
        dtype: ``"float32"`` by default; ``"int32"`` for token ids; ``"string"`` for raw
            text, whose values are numpy arrays of str kept on the host and read by the
            string stage (TextVectorization, StringLookup, Hashing: see docs/functional-api.md).
        batch_shape: the full shape, batch included (instead of ``shape``/``batch_size``).
        sparse, ragged: accepted for Keras compatibility; must be False.
    """

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None,
                 input_tensor=None, name=None, ragged=None, optional=False, **kwargs):
        if "input_shape" in kwargs:  # Keras 2 spelling
            shape = kwargs.pop("input_shape")
        if "batch_input_shape" in kwargs:
            batch_shape = kwargs.pop("batch_input_shape")
        strings = is_string_dtype(dtype)
        super().__init__(name=name or naming.unique_name("input_layer"),
                         dtype=None if strings else dtype, **kwargs)
        self.holds_strings = strings
        if sparse or ragged:
            raise ValueError(f'InputLayer "{self.name}": sparse and ragged inputs are not '
                             "supported by sloi")
        if batch_shape is None:
            if shape is None:
                raise ValueError(
                    f'InputLayer "{self.name}" needs a shape: Input(shape=(1000,)) gives '
                    "inputs of shape (None, 1000)"
                )
            if isinstance(shape, int):
                shape = (shape,)
            batch_shape = (batch_size,) + tuple(shape)
        self.batch_shape = tuple(None if d is None else int(d) for d in batch_shape)
        self.optional = optional
        self.built = True
        self._build_input_shape = self.batch_shape
        tensor = SymbolicTensor(self.batch_shape, STRING if strings else self._dtype,
                                name=self.name)
        tensor.history = History(self, 0, 0)
        self._inbound_nodes.append(Node(self, (), {}, tensor))
        self.output_tensor = tensor

    def call(self, inputs):
        return inputs

    def _apply(self, fn, *args, **kwargs):
        result = super()._apply(fn, *args, **kwargs)
        if not self.holds_strings:  # a model's float inputs follow .double() & co
            self.output_tensor.dtype = self._dtype
        return result

    @property
    def dtype(self) -> str:
        return "string" if self.holds_strings else super().dtype

    def get_config(self):
        return {
            "batch_shape": self.batch_shape,
            "dtype": self.dtype,
            "sparse": False,
            "name": self.name,
        }


def Input(shape=None, batch_size=None, dtype=None, sparse=None, batch_shape=None, name=None,
          tensor=None, optional=False):
    """A symbolic tensor to start a functional model from: ``x = Input(shape=(1000,))``."""
    layer = InputLayer(shape=shape, batch_size=batch_size, dtype=dtype, sparse=sparse,
                       batch_shape=batch_shape, name=name, optional=optional)
    return layer.output_tensor
