"""The generic op node: a function of tensors as one step of a functional graph.

Keras 3 records ``x + inputs``, ``ops.mean(x, axis=1)`` or ``x[:, -1]`` on functional tensors
as *operations*: weightless graph steps that run one function. sloi does the same with one
mechanism. A function decorated with :func:`keras_op` runs eagerly on real tensors; given a
``SymbolicTensor`` anywhere in its arguments it instead creates an :class:`Operation` holding
the function, infers the output's shape and dtype without computing (on the ``meta`` device),
and records a ``Node`` exactly as a layer call does. The model then runs the function at its
place in the plan, saves it by its Keras class name (``"Add"``, ``"Mean"``, ``"GetItem"``) and
finds it again by that name in :data:`OPERATIONS`, a catalogue filled as the functions are
defined. A name that is not in the catalogue is a load error; nothing is imported or run.

``SymbolicTensor``'s operators (``+``, ``[...]``, ...) use this mechanism through
``sloi.engine.operators``; ``sloi.ops`` (floor 3) uses it for every public op.
"""

from __future__ import annotations

import functools
import re

import torch

from sloi.engine import naming, tree
from sloi.engine.layer import Layer
from sloi.engine.shape_inference import infer_output_spec
from sloi.engine.symbolic import History, Node, SymbolicTensor, format_shape

# Keras class name ("Add", "LogSumExp") -> the function it stands for. A catalogue, filled by
# ``keras_op`` as functions are defined; the config decoder reads it.
OPERATIONS: dict[str, object] = {}
# The Keras module each class name is written with in a config ("keras.src.ops.numpy").
OPERATION_MODULES: dict[str, str] = {}


def class_name_of(fn_name: str) -> str:
    """Keras's class name for an op function: ``logsumexp`` -> ``Logsumexp``,
    ``get_item`` -> ``GetItem``, ``conv_transpose`` -> ``ConvTranspose``."""
    return "".join(part[:1].upper() + part[1:] for part in fn_name.split("_"))


def keras_op(fn=None, *, class_name=None, module="numpy", aliases=(), unknown_axes=None):
    """Make ``fn`` an op: eager on tensors, an op node on symbolic tensors.

    Args:
        class_name: the Keras class of the op (default: ``fn``'s name in CamelCase).
        module: the Keras submodule of ``keras.src.ops`` the class lives in (``"numpy"``,
            ``"nn"``, ``"math"``, ``"linalg"``, ``"core"``, ``"image"``).
        aliases: further class names that configs may use for the same op.
        unknown_axes: for ops whose output sizes depend on the values (``nonzero``,
            ``unique``): ``unknown_axes(output_index, args, kwargs)`` names the axes of that
            output whose size only the data decide; the node records ``None`` there instead
            of the size the stand-in inputs gave.
    """
    if fn is None:
        return functools.partial(keras_op, class_name=class_name, module=module,
                                 aliases=aliases, unknown_axes=unknown_axes)
    name = class_name or class_name_of(fn.__name__)

    @functools.wraps(fn)
    def op(*args, **kwargs):
        if _has_symbolic(args) or (kwargs and _has_symbolic(kwargs)):
            return symbolic_op(op, name, args, kwargs)  # the node runs (and saves) the op
        return fn(*args, **kwargs)

    op.class_name = name
    op.unknown_axes = unknown_axes
    for key in (name, *aliases):
        OPERATIONS[key] = op
        OPERATION_MODULES.setdefault(key, f"keras.src.ops.{module}")
    return op


def is_operation(config: dict) -> bool:
    """Whether a serialized object is an op node: Keras writes its ops with their module
    (``keras.src.ops.numpy``), and sloi the same."""
    module = config.get("module")
    return isinstance(module, str) and module.startswith(("keras.src.ops", "keras.ops"))


def _has_symbolic(structure) -> bool:
    if isinstance(structure, SymbolicTensor):
        return True
    if isinstance(structure, (list, tuple)):
        return any(_has_symbolic(x) for x in structure)
    if isinstance(structure, dict):
        return any(_has_symbolic(x) for x in structure.values())
    return False


class Operation(Layer):
    """A weightless graph step that runs one function (Keras's ``Operation`` as a node).

    Made by :func:`keras_op` for calls on symbolic tensors, or from a config by class name.
    ``config`` holds keyword arguments fixed at creation (Keras writes an op's non-tensor
    arguments, ``axis`` or ``keepdims``, there); the call passes the rest.
    """

    def __init__(self, fn=None, class_name=None, name=None, **config):
        if fn is None:
            if class_name not in OPERATIONS:
                raise ValueError(f'Unknown operation "{class_name}"')
            fn = OPERATIONS[class_name]
        class_name = class_name or getattr(fn, "class_name", None) or class_name_of(
            fn.__name__)
        super().__init__(name=name or naming.unique_name(naming.to_snake_case(class_name)))
        self.fn = fn
        self.op_class_name = class_name
        self.op_config = config
        self.built = True

    def __call__(self, *args, **kwargs):
        # an op takes what its function takes (Python numbers, lists, slices): none of a
        # layer's input checks or casts apply
        if _has_symbolic(args) or (kwargs and _has_symbolic(kwargs)):
            return self.record(args, kwargs)
        return self.fn(*args, **self.op_config, **kwargs)

    def call(self, *args, **kwargs):
        return self.fn(*args, **self.op_config, **kwargs)

    def record(self, args: tuple, kwargs: dict):
        """Add this op's call on symbolic ``args`` to the graph: infer the outputs without
        computing, record the ``Node``; a clear error when the inputs do not fit."""
        for x in tree.flatten((args, kwargs)):
            if isinstance(x, torch.Tensor) and x.requires_grad:
                raise TypeError(
                    f'Operation "{self.name}" mixes a functional-API tensor with an eager '
                    f"tensor that carries gradients (shape {format_shape(tuple(x.shape))}, "
                    "requires_grad=True). A model built from symbolic tensors cannot train a "
                    "tensor that lives outside it: make it a weight of a layer "
                    "(self.add_weight in a custom Layer), or pass x.detach() for a constant"
                )
        try:
            outputs = infer_output_spec(self, args, kwargs, self._defines_output_shape())
        except (RuntimeError, ValueError, TypeError, IndexError) as e:
            shapes = ", ".join(_describe(x) for x in tree.flatten((args, kwargs))
                               if isinstance(x, (SymbolicTensor, torch.Tensor)))
            raise ValueError(
                f'Operation "{self.name}" ({self.op_class_name}) cannot take inputs {shapes}: '
                f"{_first_line(e)}"
            ) from None
        node_index = len(self._inbound_nodes)
        flat = tree.flatten(outputs)
        unknown = getattr(self.fn, "unknown_axes", None)
        for i, out in enumerate(flat):
            if unknown is not None:
                axes = unknown(i, args, {**self.op_config, **kwargs})
                out.shape = tuple(None if a in axes else d for a, d in enumerate(out.shape))
            out.history = History(self, node_index, i)
            out.name = self.name if len(flat) == 1 else f"{self.name}_{i}"
        self._inbound_nodes.append(Node(self, tuple(args), dict(kwargs), outputs))
        return outputs

    def forward(self, *args, **kwargs):
        return self.fn(*args, **self.op_config, **kwargs)

    def call_accepts(self, name: str) -> bool:
        return False  # no training flag, no mask: an op takes only its own arguments

    def get_config(self) -> dict:
        return {"name": self.name, **self.op_config}

    @classmethod
    def from_class_name(cls, class_name: str, config: dict):
        """The operation a config names, with its fixed arguments; a clear error for a name
        that is not a known op (the name is looked up, never imported)."""
        if class_name not in OPERATIONS:
            close = _close_names(class_name)
            raise ValueError(
                f'Unknown operation "{class_name}" in the model config: it is not one of '
                f"sloi.ops's {len(set(OPERATIONS.values()))} operations.{close}"
            )
        config = dict(config)
        name = config.pop("name", None)
        return cls(OPERATIONS[class_name], class_name, name=name, **config)

    def extra_repr(self) -> str:
        return f"{self.op_class_name}"


def type_name(layer) -> str:
    """What a summary or diagram calls a graph step: its class (``Dense``), or for an op node
    the op's Keras class (``Add``, ``GetItem``), as Keras shows them."""
    return getattr(layer, "op_class_name", None) or type(layer).__name__


def _close_names(name: str) -> str:
    import difflib

    close = difflib.get_close_matches(name, list(OPERATIONS), n=3, cutoff=0.6)
    return f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""


def symbolic_op(fn, class_name: str, args: tuple, kwargs: dict):
    """Record ``fn(*args, **kwargs)`` as a new op node; returns symbolic outputs."""
    return Operation(fn, class_name).record(args, kwargs)


def _describe(x) -> str:
    if isinstance(x, SymbolicTensor):
        return x.describe()
    return f"tensor of shape {format_shape(tuple(x.shape))}"


def _first_line(error: Exception) -> str:
    text = str(error).strip().splitlines()
    return re.sub(r"\s+", " ", text[0]) if text else type(error).__name__
