"""The ``Metric`` base: named state tensors that live on the device of the data they count.

A metric is updated once per batch inside the training loop, so every update is a handful of
in-place torch ops on state tensors already on the batch's device, and ``result()`` returns a
tensor on that device. Nothing here reads a value back to the host.

A metric is deliberately *not* a ``torch.nn.Module``: a model that keeps its metrics as
attributes must not see their counters in ``state_dict()`` or ``parameters()``.
"""

import torch

from sloi.engine.dtypes import dtype_name, standardize_dtype
from sloi.engine.naming import to_snake_case, unique_name
from sloi.engine.scopes import current_path, name_scope
from sloi.engine.variable import (
    carry_variable_api,
    makes_keras_variables,
    restore_variable_class,
    weight_variable,
)
from sloi.metrics.metrics_utils import as_tensor

_INITIALIZERS = {"zeros": torch.zeros, "ones": torch.ones}


class Metric:
    """Encapsulates metric logic and state (``keras.metrics.Metric``).

    Subclasses create their state in ``__init__`` with ``add_variable`` (kept as attributes),
    update it in place in ``update_state`` (``self.total += x``) and compute the value from it in
    ``result``. Custom metrics should run their updates under ``torch.no_grad()`` (the built-in
    ones do), so that counters never join the autograd graph.

    Args:
        name: Name of the metric instance; by default the snake-cased class name, made unique
            (``precision``, ``precision_1``, ...) as in Keras.
        dtype: Dtype of the state and the result; ``None`` means ``"float32"``.

    Example:
        >>> m = sloi.metrics.Mean()
        >>> m.update_state(torch.tensor([1.0, 3.0, 5.0, 7.0]))
        >>> m.result()
        tensor(4.)
    """

    def __init__(self, name=None, dtype=None):
        self.name = name or unique_name(to_snake_case(type(self).__name__))
        self._dtype = standardize_dtype(dtype)
        self._device = torch.device("cpu")
        self._variables = []

    @property
    def dtype(self) -> str:
        """The Keras name of the metric's dtype, e.g. ``"float32"``."""
        return dtype_name(self._dtype)

    @property
    def variables(self) -> list:
        """The state tensors, in creation order."""
        return list(self._variables)

    def add_variable(self, shape=(), initializer="zeros", dtype=None, name=None):
        """Create a state tensor on the metric's current device and return it.

        Args:
            shape: Shape of the state.
            initializer: ``"zeros"`` or ``"ones"``.
            dtype: Its dtype; the metric's by default.
            name: Its name (``variable.name``; its ``path`` is ``"<metric name>/<name>"``).

        In a user's metric (a subclass defined outside sloi) the state is a
        ``NonTrainableVariable``: a tensor with Keras's ``assign`` / ``assign_add`` /
        ``assign_sub``, ``numpy()``, ``name`` and ``path``. sloi's built-in metrics, which
        update their state on every training step and never call that API, get plain
        tensors: torch dispatches an op on a tensor subclass more slowly (about 0.1-0.4 us an
        op), see ``sloi/engine/variable.py``.
        """
        if initializer not in _INITIALIZERS:
            raise ValueError(
                f"Metric {self.name!r}: unknown initializer {initializer!r}; "
                f"expected one of {sorted(_INITIALIZERS)}."
            )
        dtype = self._dtype if dtype is None else standardize_dtype(dtype)
        variable = _INITIALIZERS[initializer](tuple(shape), dtype=dtype, device=self._device)
        if makes_keras_variables(type(self)):
            name = name or "variable"
            with name_scope(self.name.replace("/", ">")):
                path = current_path(name)
            variable = weight_variable(variable, name=name, path=path, trainable=False)
        self._variables.append(variable)
        return variable

    add_weight = add_variable  # Keras 2 spelling

    def to(self, device):
        """Move every tensor the metric holds (state and constants) to ``device``; returns self."""
        device = torch.empty(0, device=device).device  # "cuda" -> "cuda:0", as tensors report it
        if device == self._device:
            return self
        moved = {id(v): _moved_variable(v, device) for v in self._variables}
        for key, value in list(vars(self).items()):
            if isinstance(value, torch.Tensor):
                if id(value) not in moved:  # one tensor under two names stays one tensor
                    moved[id(value)] = value.to(device)
                setattr(self, key, moved[id(value)])
        self._variables = [moved[id(v)] for v in self._variables]
        self._device = device
        return self

    def __setstate__(self, state):
        self.__dict__.update(state)
        if makes_keras_variables(type(self)):
            for variable in self._variables:  # unpickled as the plain tensors they were saved as
                restore_variable_class(variable, trainable=False)

    def _inputs(self, *xs):
        """Turn the arguments into tensors on one device (that of the first tensor among them,
        else the metric's) and bring the metric's state there."""
        device = next((x.device for x in xs if isinstance(x, torch.Tensor)), self._device)
        if device != self._device:
            self.to(device)
        return [None if x is None else as_tensor(x, device=device) for x in xs]

    def reset_state(self):
        """Set every state tensor back to zero, in place."""
        for variable in self._variables:
            variable.zero_()

    def update_state(self, *args, **kwargs):
        """Accumulate statistics for the metric."""
        raise NotImplementedError

    def result(self):
        """The current value: a tensor on the device of the state."""
        raise NotImplementedError

    def __call__(self, *args, **kwargs):
        """Update with one batch and return the result, as Keras does."""
        self.update_state(*args, **kwargs)
        return self.result()

    def get_config(self) -> dict:
        return {"name": self.name, "dtype": self.dtype}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        return f"<{type(self).__name__} name={self.name}>"


def _moved_variable(variable, device):
    """The state ``variable`` on ``device``: a new tensor (torch cannot move one in place to
    every device), which keeps its Keras name, path and methods."""
    return carry_variable_api(variable.to(device), variable)
