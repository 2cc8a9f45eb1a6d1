"""Keras 3's Variable API on the tensors that hold a model's state.

``Variable`` (``keras.Variable``) is a torch ``nn.Parameter``; the weights that a *user's*
layer makes with ``add_weight`` are ``Variable``s too (trainable ones) or
``NonTrainableVariable``s (non-trainable ones, registered as buffers), and so is the state a
user's metric makes with ``add_variable``. Both give Keras's ``assign`` / ``assign_add`` /
``assign_sub``, ``value``, ``numpy()``, ``name``, ``path`` and ``trainable``.

sloi's own layers and metrics get plain ``nn.Parameter``s and plain tensors instead
(``makes_keras_variables``): torch skips its ``__torch_function__`` lookup only for tensors
whose type is exactly ``Tensor`` or ``Parameter``, so every op on a subclass costs more
(measured: a matmul 1545 -> 1930 ns, ``w.device`` 62 -> 210 ns, the Embedding -> LSTM fit step
658 -> 684 us). That is paid only where user code calls the Keras API on its own weights.

Why subclasses and not wrappers: a weight must stay the very tensor torch registers (a
``Parameter`` or a buffer), so that ``state_dict``, optimizers, DDP and ``torch.compile`` see
plain torch state. Both classes keep torch's *disabled* ``__torch_function__`` (as
``nn.Parameter`` does), so an op on a weight dispatches exactly as on a plain tensor and
returns a plain tensor; the Keras methods are ordinary Python methods that cost nothing until
called. ``dtype`` stays torch's ``torch.dtype``: torch itself (optimizers, ``nn.functional``)
reads it.

Pickled (``torch.save``), a weight is the plain ``Parameter`` / tensor it is, with its Keras
name and path as attributes, so that ``torch.load(weights_only=True)`` reads it; a layer or a
metric that is unpickled gives its weights their class back (``restore_variable_class``).
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from sloi import initializers as _initializers
from sloi.engine.conversion import convert_to_tensor
from sloi.engine.dtypes import dtype_name, standardize_dtype
from sloi.engine.scopes import current_path


class KerasVariableAPI:
    """The Keras Variable methods shared by ``Variable`` and ``NonTrainableVariable``; the
    Keras name and path live in the tensor's ``__dict__`` (``_keras_name``, ``_keras_path``)."""

    @property
    def name(self) -> str:
        """The variable's own name (``"kernel"``)."""
        return self.__dict__.get("_keras_name", "variable")

    @property
    def path(self) -> str:
        """Its name under the scopes it was made in: ``"dense/kernel"``, ``"block/w"``."""
        return self.__dict__.get("_keras_path", self.name)

    @property
    def value(self) -> torch.Tensor:
        """The tensor itself, as Keras's torch backend gives it: gradients flow through it."""
        return self

    def _converted(self, value) -> torch.Tensor:
        value = convert_to_tensor(value, self.dtype)
        return value if value.device == self.device else value.to(self.device)

    def _check_shape(self, shape) -> None:
        if tuple(shape) != tuple(self.shape):
            raise ValueError(
                f"The shape of the target variable and the shape of the target value in "
                f"`variable.assign(value)` must match. variable.shape={tuple(self.shape)}, "
                f"Received: value.shape={tuple(shape)}. Target variable: {self!r}")

    def assign(self, value):
        """Write ``value`` (same shape) into the variable in place, outside autograd; the
        tensor object stays the same, so optimizers holding it see the new value."""
        value = self._converted(value)
        self._check_shape(value.shape)
        with torch.no_grad():
            self.copy_(value)
        return self

    def assign_add(self, value):
        return self._update_in_place(torch.Tensor.add_, value)

    def assign_sub(self, value):
        return self._update_in_place(torch.Tensor.sub_, value)

    def _update_in_place(self, update, value):
        """``update(self, value)`` in place, outside autograd; ``value`` may broadcast to
        the variable's shape, not beyond it."""
        value = self._converted(value)
        self._check_shape(torch.broadcast_shapes(self.shape, value.shape))
        with torch.no_grad():
            update(self, value)
        return self

    def numpy(self, *, force: bool = False):
        """A copy of the value in a numpy array on the host (``force`` is torch's own
        keyword, which torch passes: a copy suits it too)."""
        return self.detach().to("cpu", copy=True).numpy(force=force)

    def __repr__(self):
        return (f"<Variable path={self.path}, shape={tuple(self.shape)}, "
                f"dtype={dtype_name(self.dtype)}, value={self.detach().cpu().numpy()}>")

    def __deepcopy__(self, memo):
        if id(self) in memo:
            return memo[id(self)]
        copied = torch.Tensor._make_subclass(
            type(self), self.detach().clone(memory_format=torch.preserve_format),
            self.requires_grad)
        memo[id(self)] = copied
        copied.__dict__.update(copy.deepcopy(self.__dict__, memo))
        return copied


class _VariableMeta(type(nn.Parameter)):
    # ``isinstance(w, Variable)`` holds for every Keras variable, buffers too, as in Keras
    def __instancecheck__(cls, instance) -> bool:
        if cls is Variable and isinstance(instance, KerasVariableAPI):
            return True
        return super().__instancecheck__(instance)


class Variable(KerasVariableAPI, nn.Parameter, metaclass=_VariableMeta):
    """A trainable (or not) tensor: ``keras.Variable``.

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
        name = name or "variable"
        grads = bool(trainable) and (value.is_floating_point() or value.is_complex())
        self = torch.Tensor._make_subclass(cls, value.detach().clone(), grads)
        self._keras_name, self._keras_path = name, current_path(name)
        self.autocast = autocast
        self.aggregation = aggregation
        return self

    @property
    def trainable(self) -> bool:
        """Whether training updates it (a frozen layer's weights say False, as in Keras)."""
        return self.requires_grad

    @trainable.setter
    def trainable(self, value: bool) -> None:
        self.requires_grad_(bool(value))

    def __reduce_ex__(self, proto):
        # pickled as the plain Parameter it is (weights_only loads read it), with its Keras
        # attributes as the Parameter's state
        return nn.Parameter.__reduce_ex__(self, proto)


class NonTrainableVariable(KerasVariableAPI, torch.Tensor):
    """A non-trainable weight: a buffer of its layer (moving statistics) or a metric's state.

    A ``torch.Tensor`` with the Keras Variable API and torch's disabled ``__torch_function__``
    (``nn.Buffer`` does the same), so ops on it run as on a plain tensor.
    """

    __torch_function__ = torch._C._disabled_torch_function_impl

    @property
    def trainable(self) -> bool:
        return False

    @trainable.setter
    def trainable(self, value: bool) -> None:
        if value:
            raise ValueError(
                f'Variable "{self.path}" was made non-trainable (a buffer); make it with '
                "trainable=True to train it")

    def __reduce_ex__(self, proto):
        # pickled as a plain tensor (weights_only loads read it) carrying its Keras attributes
        plain = self.as_subclass(torch.Tensor)
        plain.__dict__.update(self.__dict__)
        return plain.__reduce_ex__(proto)


def makes_keras_variables(cls) -> bool:
    """Whether the weights (or metric state) that instances of ``cls`` make get Keras's
    Variable API: the classes of user code do; sloi's own (built-in) classes, which never
    call it, keep plain torch tensors and so torch's fastest dispatch."""
    module = cls.__module__ or ""
    return not (module == "sloi" or module.startswith("sloi."))


def weight_variable(value: torch.Tensor, *, name: str, path: str, trainable: bool,
                    requires_grad: bool = True):
    """``value`` (a fresh tensor: not copied) as a layer's weight: a ``Variable`` (an
    ``nn.Parameter``) when ``trainable``, else a ``NonTrainableVariable`` (for a buffer)."""
    if trainable:
        variable = torch.Tensor._make_subclass(Variable, value, requires_grad)
    else:
        variable = torch.Tensor._make_subclass(NonTrainableVariable, value, False)
    variable._keras_name, variable._keras_path = name, path
    return variable


def restore_variable_class(tensor: torch.Tensor, trainable: bool) -> torch.Tensor:
    """Give a weight that lost its class (unpickled, or replaced by torch's ``module.to``,
    which makes new buffers) its Keras class again, in place: the object stays the same."""
    if not isinstance(tensor, KerasVariableAPI):
        tensor.__class__ = Variable if trainable else NonTrainableVariable
    return tensor


def carry_variable_api(new: torch.Tensor, old: torch.Tensor) -> torch.Tensor:
    """``new``, a tensor torch made from the weight ``old`` (moved by ``module.to``, a
    metric's state moved to the data's device, a meta stand-in), given ``old``'s Keras class,
    name and path in place; where ``old`` is a plain tensor, ``new`` is left as it is."""
    if isinstance(old, KerasVariableAPI) and not isinstance(new, KerasVariableAPI):
        new.__dict__.update(old.__dict__)
        new.__class__ = type(old)
    return new
