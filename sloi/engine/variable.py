"""``Variable``: Keras 3's ``keras.Variable`` as a torch ``nn.Parameter``.

A variable holds a tensor that training may change: made from an initializer and a shape (or
from a value), with Keras's ``assign`` family, ``value`` and ``numpy()``. Being a
``Parameter``, a ``Variable`` set on a layer or module is registered and trained by torch like
any weight. (The weights that sloi's own layers create are plain ``Parameter``s.)
"""

from __future__ import annotations

import torch
from torch import nn

from sloi import initializers as _initializers
from sloi.engine.dtypes import dtype_name, standardize_dtype
from sloi.engine.operators import convert_to_tensor
from sloi.engine.scopes import current_path


class Variable(nn.Parameter):
    """A trainable (or not) tensor.

    Args:
        initializer: an initializer (name, object or ``fn(shape, dtype)``) with ``shape``, or
            the initial value itself (array, tensor, number).
        shape: the shape, needed with an initializer.
        dtype: the dtype (default: floatx for an initializer, the value's own otherwise).
        trainable: whether gradients flow to it.
        name: its name.
        autocast / aggregation / synchronization / layout: accepted for Keras code; a torch
            tensor has no such settings, so only their defaults are accepted.
    """

    def __new__(cls, initializer, shape=None, dtype=None, trainable=True, autocast=True,
                aggregation="none", synchronization="auto", name=None, layout=None,
                **kwargs):
        if kwargs:
            raise TypeError(f"Variable: unexpected keyword argument(s) {sorted(kwargs)}")
        for arg, value, default in (("aggregation", aggregation, ("none", "mean", "sum",
                                                                  "only_first_replica")),
                                    ("synchronization", synchronization, ("auto",)),
                                    ("layout", layout, (None,))):
            if value not in default:
                raise ValueError(f"Variable: {arg}={value!r} is not supported on torch")
        if isinstance(initializer, (str, dict)) or isinstance(initializer,
                                                              _initializers.Initializer) or (
                callable(initializer) and not isinstance(initializer, torch.Tensor)):
            if shape is None:
                raise ValueError(f"Variable {name or ''}: an initializer needs a shape")
            torch_dtype = standardize_dtype(dtype)
            shape = (int(shape),) if isinstance(shape, int) else tuple(int(d) for d in shape)
            value = torch.as_tensor(_initializers.get(initializer)(shape, dtype=torch_dtype),
                                    dtype=torch_dtype)
        else:
            value = convert_to_tensor(initializer, dtype)  # Python numbers as Keras types
            if shape is not None and tuple(value.shape) != tuple(shape):
                raise ValueError(f"Variable {name or ''}: the value's shape "
                                 f"{tuple(value.shape)} is not the given shape {tuple(shape)}")
        grads = bool(trainable) and (value.is_floating_point() or value.is_complex())
        self = super().__new__(cls, value.detach().clone(), requires_grad=grads)
        self._variable_name = name or "variable"
        self._variable_path = current_path(self._variable_name)
        self.trainable = bool(trainable)
        self.autocast = autocast
        self.aggregation = aggregation
        return self

    @property
    def name(self) -> str:
        return self._variable_name

    @property
    def value(self) -> torch.Tensor:
        """The current value as a plain tensor (no gradient history)."""
        return self.detach()

    def assign(self, value):
        with torch.no_grad():
            self.copy_(convert_to_tensor(value, self.dtype))
        return self

    def assign_add(self, value):
        with torch.no_grad():
            self.add_(torch.as_tensor(value, dtype=self.dtype))
        return self

    def assign_sub(self, value):
        with torch.no_grad():
            self.sub_(torch.as_tensor(value, dtype=self.dtype))
        return self

    def numpy(self):
        return self.detach().cpu().numpy()

    @property
    def path(self) -> str:
        """The name under the ``name_scope``s it was made in: ``"block/w"``."""
        return self._variable_path

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={tuple(self.shape)}, "
                f"dtype={dtype_name(self.dtype)}, value={self.detach().cpu().numpy()}>")

    def __deepcopy__(self, memo):
        copied = Variable(self.detach().clone(), dtype=self.dtype, trainable=self.trainable,
                          name=self.name)
        memo[id(self)] = copied
        return copied

    def __reduce_ex__(self, proto):
        # pickled (torch.save) as the plain Parameter it is: loading runs no sloi code
        return nn.Parameter(self.detach().clone(), self.requires_grad).__reduce_ex__(proto)
