"""``Layer``: the base of every sloi layer and model, a ``torch.nn.Module`` with Keras's life cycle.

A layer is created with its hyper-parameters, builds its weights lazily the first time it sees an
input shape (``build``), and computes in ``call``. Called on symbolic tensors it records a
``Node`` and returns symbolic outputs; called on real tensors it runs through ``nn.Module``'s own
``__call__`` (hooks, torch.compile and everything else in PyTorch work as usual).

Unlike a plain ``nn.Module``, a layer starts in inference mode (``layer.training is False``):
Keras runs layers in inference unless ``fit`` (or ``training=True``) says otherwise, and sloi
follows Keras. ``model.train()`` switches to training mode as in any PyTorch loop.
"""

from __future__ import annotations

import functools
import inspect
import threading
import weakref

import numpy as np
import torch
from torch import nn

from sloi import constraints as _constraints
from sloi import initializers as _initializers
from sloi import regularizers as _regularizers
from sloi.engine import allocation, naming, training_flag, tree
from sloi.engine.call_inputs import (
    ShapeArgs,
    batch_shape_from_kwargs,
    broadcast_masks,
    carried_mask,
    check_symbolic_inputs,
    convert_eager,
    has_symbolic,
    move_to_input_device,
    shapes_of,
    to_weights_device,
)
from sloi.engine.config_decoder import catalogue
from sloi.engine.dtypes import dtype_name, standardize_dtype
from sloi.engine.input_spec import check_input
from sloi.engine.keras_mask import get_keras_mask, set_keras_mask
from sloi.engine.scopes import current_path, name_scope
from sloi.engine.shape_inference import infer_output_spec, real_device_scope
from sloi.engine.symbolic import History, Node, SymbolicTensor, format_shape
from sloi.engine.variable import (
    carry_variable_api,
    makes_keras_variables,
    restore_variable_class,
    weight_variable,
)

_BASE_KWARGS = ("input_shape", "input_dim", "batch_size", "batch_input_shape", "weights")
# the wrappers ``__init_subclass__`` puts around build(), so that a subclass does not wrap twice
_BUILDS_THAT_MARK_BUILT: weakref.WeakSet = weakref.WeakSet()


class _CallContext(threading.local):
    """What the layer calls in progress on this thread share, as Keras's call context."""

    entry = None  # the layer whose call is the outermost one in progress
    symbolic = False  # that call only infers shapes: ``add_loss`` keeps nothing of it


_CALL = _CallContext()
# the layers that hold losses of their last call (``add_loss``, activity regularizers), by
# id, each with a weak reference that drops it once the layer is gone: an outermost call
# walks its layers to clear them only while some are held, so a model that adds no such
# losses pays nothing for the rule (a plain dict: a WeakSet's emptiness costs 7x more)
_HOLDERS: dict[int, weakref.ref] = {}


def _hold(layer) -> None:
    key = id(layer)
    if key not in _HOLDERS:
        _HOLDERS[key] = weakref.ref(layer, lambda _, key=key: _HOLDERS.pop(key, None))


def holds_added_losses() -> bool:
    """Whether any layer holds losses from ``add_loss`` (or an activity regularizer) of its
    last call: the training step reads ``model.losses`` only then, or for weight
    regularizers."""
    return bool(_HOLDERS)


class Layer(nn.Module):
    """Base layer.

    Args:
        name: unique name; by default the snake-cased class name made unique (``dense_1``).
        trainable: whether the weights are updated in training.
        dtype: dtype of the weights and computation, ``"float32"`` by default.
        activity_regularizer: a loss on the layer's output, collected in ``losses``.
        input_shape / input_dim / batch_size / batch_input_shape: on the first layer of a
            ``Sequential`` model, the shape of its input (without the batch).
        weights: initial weights, set once the layer is built (Keras 2).
    """

    def __init__(
        self, *, name=None, trainable=True, dtype=None, activity_regularizer=None,
        autocast=True, **kwargs,
    ):
        super().__init__()
        unknown = sorted(set(kwargs) - set(_BASE_KWARGS))
        if unknown:
            raise TypeError(
                f"{type(self).__name__}.__init__() got unexpected keyword argument(s) {unknown}"
            )
        self.training = False  # Keras semantics: inference unless told otherwise
        self.name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        self._dtype = standardize_dtype(dtype)
        self._trainable = bool(trainable)
        self.built = False
        self.input_spec = None
        self.activity_regularizer = _regularizers.get(activity_regularizer)
        self._added_losses: list = []  # add_loss's and the activity regularizer's
        self._own_weights: list[tuple[str, bool]] = []  # (registered name, created trainable)
        # (weight name, regularizer / constraint) of this layer's own weights, which the
        # trainer reads to add the penalties to the loss and to apply the constraints
        self.weight_regularizers: list[tuple[str, object]] = []
        self.weight_constraints: list[tuple[str, object]] = []
        self._inbound_nodes: list[Node] = []
        self._build_input_shape = None
        self._initial_weights = kwargs.get("weights")
        self._batch_input_shape = batch_shape_from_kwargs(kwargs)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        catalogue(cls)  # sloi's own classes, so nested configs find them by name
        if "call" in cls.__dict__ and "_call_takes_training" not in cls.__dict__:
            # read by forward() on every call: a class attribute, not a signature lookup
            cls._call_takes_training = "training" in inspect.signature(cls.call).parameters
        original = cls.__dict__.get("build")
        if original is not None and original not in _BUILDS_THAT_MARK_BUILT:
            # As in Keras, a layer is built once its build() ran, whoever called it, and
            # builds in its name scope: the weights of a layer it builds get paths under its
            # name ("lstm/lstm_cell/kernel")
            @functools.wraps(original)
            def build(self, *args, **kw):
                # a subclass's build calls its parent's, which marks the layer built: the
                # subclass's own weights may follow; a build of a layer built before may not
                # add any (add_weight refuses, as Keras does)
                depth = self.__dict__.get("_build_depth", 0)
                if not depth:
                    self.__dict__["_rebuilding"] = self.built
                self.__dict__["_build_depth"] = depth + 1
                try:
                    with name_scope(self.name):
                        original(self, *args, **kw)
                finally:
                    self.__dict__["_build_depth"] = depth
                self.built = True
                if self._build_input_shape is None and args:
                    self._build_input_shape = args[0]

            _BUILDS_THAT_MARK_BUILT.add(build)
            cls.build = build

    # ------------------------------------------------------------------ properties
    @property
    def dtype(self) -> str:
        return dtype_name(self._dtype)

    def _apply(self, fn, *args, **kwargs):
        # torch's conversions (.double(), .half(), .to(torch.bfloat16)...) all come here: a
        # float layer takes the dtype its weights were given, so that it casts its inputs to
        # it as Keras casts to a layer's dtype (and its config says so)
        buffers = {n: self._buffers.get(n) for n, trainable in self._own_weights
                   if not trainable} if makes_keras_variables(type(self)) else {}
        result = super()._apply(fn, *args, **kwargs)
        for reg_name, before in buffers.items():
            after = self._buffers.get(reg_name)
            if after is not None:  # torch makes new buffers: the Keras API goes with them
                carry_variable_api(after, before)
        if self._dtype.is_floating_point:
            converted = _float_dtype_after(fn, self._dtype)
            if converted is not None:
                self._dtype = converted
        return result

    compute_dtype = dtype
    variable_dtype = dtype  # Keras's name for the weights' dtype ("float32")

    @property
    def trainable(self) -> bool:
        return self._trainable

    @trainable.setter
    def trainable(self, value: bool):
        self._trainable = bool(value)
        for reg_name, created_trainable in self._own_weights:
            if created_trainable:
                self._parameters[reg_name].requires_grad_(self._trainable)
        for child in self.child_modules():
            if isinstance(child, Layer):
                child.trainable = value
            else:
                child.requires_grad_(self._trainable)

    def child_modules(self):
        """Sub-layers (and plain torch modules) in the order they were set, looking through
        containers such as ``nn.ModuleList`` / ``nn.ModuleDict``: the layer's direct parts,
        whose weights follow its own in ``weights``."""
        for module in self._modules.values():
            if module is None:
                continue
            if isinstance(module, Layer) or not isinstance(
                module, (nn.ModuleList, nn.ModuleDict, nn.Sequential)
            ):
                yield module
            else:
                yield from module.children()

    # ------------------------------------------------------------------ weights
    def add_weight(
        self, *args, shape=None, initializer=None, dtype=None, trainable=True,
        regularizer=None, constraint=None, name=None, **unused,
    ):
        """Create a weight, register it on the module and return it.

        Accepts Keras 3's order ``add_weight(shape, initializer, dtype, ...)`` and the name-first
        order ``add_weight("kernel", shape, initializer)`` of Keras 2 code.

        In a user's layer (a class defined outside sloi, subclasses of sloi's layers included)
        a trainable weight is a ``Variable`` (an ``nn.Parameter``) and a non-trainable one a
        ``NonTrainableVariable`` registered as a buffer; both have Keras's Variable API
        (``assign``, ``assign_add``, ``numpy()``, ``name``, ``path`` "layer/name", ...).

        sloi's built-in layers (Dense, LSTM, Embedding, BatchNormalization, ...) get a plain
        ``nn.Parameter`` and a plain tensor buffer: torch skips its ``__torch_function__``
        lookup only for those exact types, and an op on a subclass costs more (a matmul
        1545 -> 1930 ns, the Embedding -> LSTM fit step 658 -> 684 us). Their weights have no
        ``assign``: write them with ``layer.kernel.data.copy_(...)`` or ``set_weights``.
        """
        args = list(args)
        if args and isinstance(args[0], str):
            name = args.pop(0)
            for key in ("shape", "initializer"):
                if args:
                    value = args.pop(0)
                    shape, initializer = (value, initializer) if key == "shape" else (shape, value)
        else:
            for key in ("shape", "initializer", "dtype"):
                if args:
                    value = args.pop(0)
                    if key == "shape":
                        shape = value
                    elif key == "initializer":
                        initializer = value
                    else:
                        dtype = value
        if shape is None:
            shape = ()
        elif isinstance(shape, (tuple, list, torch.Size)):
            shape = tuple(int(d) for d in shape)
        else:
            shape = (int(shape),)
        if self.built and (not self.__dict__.get("_build_depth")
                           or self.__dict__.get("_rebuilding")):
            # a second build() would add the weights twice: Keras refuses too
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) is already built: it cannot add '
                f'the weight "{name or "variable"}" {shape}. You cannot add new elements of '
                "state to a layer that is already built; create every weight in __init__() "
                "or build() (build() runs once)")
        torch_dtype = standardize_dtype(dtype) if dtype is not None else self._dtype
        allocation.charge(self, name or "variable", shape, torch_dtype.itemsize)  # loads only
        if initializer is None:
            initializer = "glorot_uniform" if torch_dtype.is_floating_point else "zeros"
        with real_device_scope():  # a layer first called inside a meta run: real weights
            value = _initializers.get(initializer)(shape, dtype=torch_dtype)
            value = torch.as_tensor(value, dtype=torch_dtype).reshape(shape)
        reg_name = self._free_weight_name(name or "variable")
        if makes_keras_variables(type(self)):
            with name_scope(self.name):
                path = current_path(name or "variable")
            value = weight_variable(value, name=name or "variable", path=path,
                                    trainable=trainable, requires_grad=self._trainable)
        elif trainable:
            value = nn.Parameter(value, requires_grad=self._trainable)
        if trainable:
            self.register_parameter(reg_name, value)
        else:
            self.register_buffer(reg_name, value)
        self._own_weights.append((reg_name, bool(trainable)))
        if regularizer is not None:
            self.weight_regularizers.append((reg_name, _regularizers.get(regularizer)))
        if constraint is not None:
            self.weight_constraints.append((reg_name, _constraints.get(constraint)))
        return self._parameters[reg_name] if trainable else self._buffers[reg_name]

    def __setstate__(self, state):
        super().__setstate__(state)
        if not makes_keras_variables(type(self)):
            return
        # unpickled weights are the plain Parameters / tensors they were saved as
        for reg_name, trainable in self._own_weights:
            restore_variable_class(self._own_weight_tensor(reg_name, trainable), trainable)

    def _free_weight_name(self, name: str) -> str:
        if self.__dict__.get(name, 0) is None:  # a placeholder such as ``self.bias = None``
            del self.__dict__[name]
        candidate, n = name, 0
        while (
            candidate in self._parameters or candidate in self._buffers
            or candidate in self._modules or hasattr(type(self), candidate)
            or candidate in self.__dict__
        ):
            n += 1
            candidate = f"{name}_{n}"
        return candidate

    def _own_weight_tensor(self, reg_name: str, trainable: bool):
        return self._parameters[reg_name] if trainable else self._buffers[reg_name]

    def own_weights_with_names(self) -> list[tuple[str, torch.Tensor]]:
        """``[("kernel", tensor), ("bias", tensor)]``: the weights this layer made with
        ``add_weight`` (not its sub-layers'), by their registered names, trainable ones first
        as Keras orders them."""
        pairs = [(n, self._own_weight_tensor(n, t)) for n, t in self._own_weights if t]
        return pairs + [(n, self._own_weight_tensor(n, t)) for n, t in self._own_weights if not t]

    def tracked_weights_with_names(self) -> list[tuple[str, torch.Tensor]]:
        """The weights Keras tracks as this layer's own variables (a Keras 3 weights file
        stores them under the layer's ``vars``): ``own_weights_with_names()``, and first any
        sub-layer's weight the layer also holds as an attribute of its own, as Keras does
        (``SpectralNormalization``'s kernel)."""
        return self.own_weights_with_names()

    def weights_with_paths(self) -> list[tuple[str, torch.Tensor]]:
        """``[("dense/kernel", tensor), ...]`` in Keras order: own trainable, own non-trainable,
        then sub-layers'. A weight shared by two layers appears once. Inside a model a weight's
        path starts with its layer's name ("dense/kernel"); inside a layer, with the outer
        layer's too ("lstm/lstm_cell/kernel"), as Keras writes them."""
        own = [(f"{self.name}/{n}", w) for n, w in self.own_weights_with_names()]
        result, seen = [], set()
        for path, w in own:
            if id(w) not in seen:
                seen.add(id(w))
                result.append((path, w))
        for child in self.child_modules():
            if isinstance(child, Layer):
                pairs = child.weights_with_paths()
                if not self._is_container:  # "lstm/lstm_cell/kernel", but "dense/kernel" in a model
                    pairs = [(f"{self.name}/{path}", w) for path, w in pairs]
            else:
                pairs = [(f"{self.name}/{n}", w) for n, w in child.named_parameters()]
                pairs += [(f"{self.name}/{n}", w) for n, w in child.named_buffers()]
            for path, w in pairs:
                if id(w) not in seen:
                    seen.add(id(w))
                    result.append((path, w))
        return result

    def trainable_weights_with_paths(self) -> list[tuple[str, torch.Tensor]]:
        """``[("dense/kernel", weight), ...]``: the trainable weights with Keras's paths, which
        optimizers that choose by name read (``OptimizerMap``, Muon's exclusions, weight
        decay's ``exclude_from_weight_decay``)."""
        trainable = {id(w) for w in self.trainable_weights}
        return [(p, w) for p, w in self.weights_with_paths() if id(w) in trainable]

    @property
    def weights(self) -> list[torch.Tensor]:
        return [w for _, w in self.weights_with_paths()]

    @property
    def trainable_weights(self) -> list[torch.Tensor]:
        return [w for w in self.weights if isinstance(w, nn.Parameter) and w.requires_grad]

    @property
    def non_trainable_weights(self) -> list[torch.Tensor]:
        return [w for w in self.weights if not (isinstance(w, nn.Parameter) and w.requires_grad)]

    variables = weights
    trainable_variables = trainable_weights
    non_trainable_variables = non_trainable_weights

    def get_weights(self) -> list[np.ndarray]:
        """The weights as numpy arrays, in Keras order and layout."""
        return [w.detach().cpu().numpy().copy() for w in self.weights]

    def set_weights(self, weights) -> None:
        """Set every weight from numpy arrays (Keras order and layout); nothing is changed unless
        every count and shape fits."""
        pairs = self.weights_with_paths()
        weights = list(weights)
        if len(weights) != len(pairs):
            expected = ", ".join(f"{p} {format_shape(tuple(w.shape))}" for p, w in pairs)
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects {len(pairs)} weight '
                f"array(s) [{expected}]; got {len(weights)}"
            )
        arrays = []
        for (path, w), value in zip(pairs, weights):
            value = np.asarray(value)
            if tuple(value.shape) != tuple(w.shape):
                raise ValueError(
                    f'Layer "{self.name}" ({type(self).__name__}): weight "{path}" has shape '
                    f"{format_shape(tuple(w.shape))}; got an array of shape "
                    f"{format_shape(tuple(value.shape))}"
                )
            arrays.append(value)
        with torch.no_grad():
            for (_, w), value in zip(pairs, arrays):
                w.copy_(torch.as_tensor(value, dtype=w.dtype))

    def count_params(self) -> int:
        if not self.built:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) is not built yet, so it has no '
                "weights to count: call it on an input (or call build(input_shape)) first."
            )
        return int(sum(w.numel() for w in self.weights))

    @property
    def losses(self) -> list[torch.Tensor]:
        """As Keras: the losses this layer and its sub-layers added in their latest outermost
        call (``add_loss``, activity regularizers), then the weight regularization losses,
        computed from the current weights."""
        layers = self._layer_tree()
        result = [loss for layer in layers for loss in layer._added_losses]
        for layer in layers:
            result += [reg(layer._parameters.get(n, layer._buffers.get(n)))
                       for n, reg in layer.weight_regularizers]
        return result

    def add_loss(self, loss) -> None:
        """Add a loss (a tensor, or a list of them) to ``losses``, from inside ``call``: it
        lasts until the next outermost call, and ``fit`` adds it to the compiled loss."""
        flat = tree.flatten(loss)
        for x in flat:
            if not isinstance(x, torch.Tensor):
                raise ValueError(
                    f'Layer "{self.name}" ({type(self).__name__}): add_loss() takes tensors '
                    f"computed in call() (or build()); got {type(x).__name__} {x!r}")
        if _CALL.symbolic:
            return  # a call on symbolic tensors leaves no losses, as in Keras
        self._added_losses.extend(flat)
        _hold(self)

    def _layer_tree(self) -> list[Layer]:
        """This layer and every sub-layer, each once, parents before their parts."""
        found, seen = [self], {id(self)}
        for layer in found:  # grows while it is read
            for child in layer.child_modules():
                if isinstance(child, Layer) and id(child) not in seen:
                    seen.add(id(child))
                    found.append(child)
        return found

    def _clear_added_losses(self) -> None:
        """Forget the losses that this layer and its sub-layers added: an outermost call
        does it first, so ``losses`` holds those of the latest call only, as in Keras."""
        for layer in self._layer_tree():
            if layer._added_losses:
                layer._added_losses.clear()
                _HOLDERS.pop(id(layer), None)

    def apply_constraints(self) -> None:
        """Project constrained weights (called by the optimizer step after each update)."""
        with torch.no_grad():
            for n, constraint in self.weight_constraints:
                w = self._parameters.get(n, self._buffers.get(n))
                w.copy_(constraint(w))
        for child in self.child_modules():
            if isinstance(child, Layer):
                child.apply_constraints()

    # ------------------------------------------------------------------ building
    def build(self, input_shape) -> None:
        """Create the weights for inputs of ``input_shape``. Layers without weights need not
        override it."""

    def get_build_config(self) -> dict | None:
        """Keras's build config: ``{"input_shape": shape}`` of the input this layer was built
        for; None while it is unbuilt, or where ``build`` took several shapes."""
        shape = self._build_input_shape
        if not self.built or shape is None or isinstance(shape, ShapeArgs):
            return None
        return {"input_shape": shape}

    def build_from_config(self, config: dict) -> None:
        """Build from a ``get_build_config()`` dict (a config read from a file), as Keras
        does; a config without an input shape builds nothing."""
        shape = config.get("input_shape")
        if shape is None:
            return
        self.build(shape)
        self.built = True
        self._build_input_shape = shape

    def _maybe_build(self, args, kwargs) -> None:
        if self.built:
            return
        shapes = self._build_shapes(args, kwargs)
        self._build_input_shape = shapes
        with real_device_scope():  # what build makes beside add_weight (buffers) is real too
            self.build(*shapes) if isinstance(shapes, ShapeArgs) else self.build(shapes)
        self.built = True
        if self._initial_weights is not None:
            self.set_weights(self._initial_weights)
            self._initial_weights = None

    def _build_shapes(self, args, kwargs):
        """Shapes for ``build``: those of the first call argument, or, when ``build`` names
        several ``*_shape`` arguments (``build(query_shape, value_shape)``), one per call
        argument of that name."""
        params = [p for p in inspect.signature(self.build).parameters.values()
                  if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        if len(params) <= 1:
            return shapes_of(args[0] if args else next(iter(kwargs.values())))
        bound = inspect.signature(self.call).bind_partial(*args, **kwargs).arguments
        values = []
        for p in params:
            key = p.name[: -len("_shape")] if p.name.endswith("_shape") else p.name
            values.append(shapes_of(bound[key]) if bound.get(key) is not None else None)
        return ShapeArgs(values)

    # ------------------------------------------------------------------ calling
    def call(self, inputs, *args, **kwargs):
        return inputs

    def forward(self, *args, **kwargs):
        # the outermost call (no other layer's call encloses it) first clears the losses of
        # this layer's whole tree, whose calls it is about to run, as Keras's does
        outermost = _CALL.entry is None
        if outermost:
            _CALL.entry = self
            if _HOLDERS:
                self._clear_added_losses()
        try:
            if kwargs:
                # Keras lets any layer be called with training= or mask=; pass them on only
                # to a call() that takes them.
                for key in ("training", "mask"):
                    if key in kwargs and not self.call_accepts(key) and not self.call_accepts(
                            "**"):
                        del kwargs[key]
            if self._call_takes_training and kwargs.get("training") is None:
                # Keras's order: the caller's value, else the enclosing call's or loop's, else
                # the signature's default (a torch loop after model.train() counts as training)
                enclosing = training_flag.state.value
                if enclosing is not None:
                    kwargs["training"] = enclosing
                elif self.training:
                    kwargs["training"] = True
            outputs = self.call(*args, **kwargs)
            if self.activity_regularizer is not None and self._activity_on_outputs:
                self._record_activity_loss(outputs)
            return outputs
        finally:
            if outermost:
                _CALL.entry = None

    _call_takes_training = False  # whether ``call`` has a ``training`` argument (per class)

    # False where ``call`` itself records the activity loss, on other tensors than its outputs
    # (MultiHeadAttention regularizes its projections, as Keras does)
    _activity_on_outputs = True

    def _record_activity_loss(self, outputs) -> None:
        for out in tree.flatten(outputs):
            if isinstance(out, torch.Tensor) and out.device.type != "meta":
                loss = self.activity_regularizer(out)
                if out.ndim > 0:
                    loss = loss / out.shape[0]
                self.add_loss(loss)

    def compute_mask(self, inputs, previous_mask=None):
        """The mask of the outputs: the input mask for layers that support masking, else None."""
        return previous_mask if self.supports_masking else None

    supports_masking = False
    # True for layers that read integer ids (Embedding) and for models, which cast each input
    # to its Input's dtype themselves; other layers with float weights take bool / int inputs
    # as floats in their dtype, as Keras's ops promote them (Dense on a uint8 image)
    keeps_integer_inputs = False
    _is_container = False  # models set it: their weights keep their layers' own paths

    def compute_output_shape(self, input_shape):
        raise NotImplementedError  # marker: shapes come from a meta-device run of ``call``

    def _defines_output_shape(self) -> bool:
        """Whether this layer's class gives its output shape itself (``compute_output_shape``);
        any other layer's shapes come from a meta-device run of ``call``."""
        return type(self).compute_output_shape is not Layer.compute_output_shape

    def compute_output_dtype(self, input_dtype: torch.dtype) -> torch.dtype:
        """Output dtype when ``compute_output_shape`` gives the shape: floats in the layer's
        dtype, other dtypes (integer ids through Reshape...) unchanged, unless the layer casts
        them (``integer_input_cast``: Dense on integer inputs gives floats)."""
        if input_dtype.is_floating_point or self.integer_input_cast() is not None:
            return self._dtype
        return input_dtype

    def __call__(self, *args, **kwargs):
        # one plain tensor and nothing else (every batch of fit / predict): nothing symbolic
        plain = len(args) == 1 and not kwargs and type(args[0]) is torch.Tensor
        if not plain and has_symbolic(args, kwargs):
            return self._symbolic_call(args, kwargs)
        args = self._prepare_eager_inputs(args)
        if not plain and isinstance(kwargs.get("mask"), torch.Tensor):
            kwargs["mask"] = to_weights_device(self, kwargs["mask"])  # with its input
        first = args[0] if args else None
        self._check_input_specs(first, lambda shape, x=None: f"shape {format_shape(shape)}")
        if not self.built:
            self._maybe_build(args, kwargs)
            move_to_input_device(self, first)
        if isinstance(first, torch.Tensor) and not first.is_floating_point() and (
                self.integer_input_cast() is not None):
            first = _with_mask_of(first, first.to(self._dtype))
            args = (first,) + tuple(args[1:])
        if "mask" not in kwargs and self.call_accepts("mask"):
            mask = carried_mask(first)
            if mask is not None:
                kwargs["mask"] = mask
        if not plain and kwargs.get("training") is not None and training_flag.state.value is None:
            with training_flag.flag(kwargs["training"]):  # the layers inside get it too
                outputs = super().__call__(*args, **kwargs)
        else:
            outputs = super().__call__(*args, **kwargs)
        if self.supports_masking or type(self).compute_mask is not Layer.compute_mask:
            out_mask = self.compute_mask(first, kwargs.get("mask", carried_mask(first)))
            if out_mask is not None:
                for out, m in zip(tree.flatten(outputs), broadcast_masks(out_mask, outputs)):
                    if isinstance(out, torch.Tensor) and m is not None:
                        set_keras_mask(out, m)
        return outputs

    def repeat_caller(self, x):
        """After ``self(x)`` returned, what calls this layer on further tensors like ``x``
        (the same dtype and device, no mask, as the batches cut from one array are) without
        repeating the conversions and checks ``x`` has passed: ``nn.Module.__call__`` itself,
        hooks included. ``self`` wherever such a call could still need them: an input spec
        (it may fix the batch size), a cast, a mask in or out, an ``__call__`` of its own."""
        owner = next(k for k in type(self).__mro__ if "__call__" in k.__dict__)
        plain = (type(x) is torch.Tensor and self.built and self.input_spec is None
                 and (owner is Layer or owner.__dict__.get("_call_adds_only_building", False))
                 and get_keras_mask(x) is None
                 and convert_eager(self, x, self._dtype) is x
                 and (x.is_floating_point() or self.integer_input_cast() is None)
                 and not self.supports_masking
                 and type(self).compute_mask is Layer.compute_mask)
        return functools.partial(nn.Module.__call__, self) if plain else self

    def _symbolic_call(self, args, kwargs):
        """A call on symbolic tensors: check the inputs, build, infer the outputs' shapes and
        masks, and record the ``Node`` that ties them into the graph."""
        if not args:  # layer(query=q, value=v): the leading tensors become positional
            bound = inspect.signature(self.call).bind_partial(**kwargs)
            args, kwargs = tuple(bound.args), dict(bound.kwargs)
        check_symbolic_inputs(self, args[0] if args else None)
        self._check_input_specs(args[0], lambda shape, x=None: x.describe())
        if not self.built:
            self._maybe_build(args, kwargs)
            self._check_input_specs(args[0], lambda shape, x=None: x.describe())
        in_mask = carried_mask(args[0])
        node_kwargs = kwargs  # an implicit mask travels beside the tensors, not as a node input
        if in_mask is not None and "mask" not in kwargs and self.call_accepts("mask"):
            kwargs = dict(kwargs, mask=in_mask)
        outputs = self._infer_outputs(args, kwargs)
        node_index = len(self._inbound_nodes)
        flat = tree.flatten(outputs)
        masks = self._symbolic_output_masks(args[0], kwargs.get("mask", in_mask), outputs)
        for i, (out, m) in enumerate(zip(flat, masks)):
            out.history = History(self, node_index, i)
            out.name = self.name if len(flat) == 1 else f"{self.name}_{i}"
            out.mask = m
        self._inbound_nodes.append(Node(self, tuple(args), dict(node_kwargs), outputs))
        return outputs

    def _infer_outputs(self, args, kwargs):
        """The symbolic outputs of a call on symbolic tensors: the run that infers them adds
        no losses, and, outermost, clears those of the layer's tree, as Keras's does."""
        if _CALL.entry is not None:
            return infer_output_spec(self, args, kwargs, self._defines_output_shape())
        _CALL.entry, _CALL.symbolic = self, True
        try:
            if _HOLDERS:
                self._clear_added_losses()
            return infer_output_spec(self, args, kwargs, self._defines_output_shape())
        finally:
            _CALL.entry, _CALL.symbolic = None, False

    def _symbolic_output_masks(self, inputs, in_mask, outputs) -> list:
        """Masks of the outputs, as symbolic tensors, found by running ``compute_mask`` on
        meta tensors (cheap, shape-only)."""
        flat = tree.flatten(outputs)
        custom = type(self).compute_mask is not Layer.compute_mask
        if in_mask is None and not custom:
            return [None] * len(flat)

        def meta(x):
            if isinstance(x, SymbolicTensor):
                shape = [1 if d is None else d for d in x.shape]
                return torch.zeros(shape, dtype=x.dtype, device="meta")
            return x

        try:
            out_mask = self.compute_mask(tree.map_structure(meta, inputs), tree.map_structure(
                meta, in_mask) if in_mask is not None else None)
        except (RuntimeError, NotImplementedError):
            return [None] * len(flat)
        result = []
        for out, m in zip(flat, broadcast_masks(out_mask, outputs)):
            if m is None:
                result.append(None)
            else:
                # sizes from the mask itself; unknown ones where the output's are unknown
                shape = tuple(None if i == 0 or (i < out.ndim and out.shape[i] is None)
                              else d for i, d in enumerate(m.shape))
                result.append(SymbolicTensor(shape, dtype="bool", name=f"{self.name}_mask"))
        return result

    def call_accepts(self, name: str) -> bool:
        """Whether this layer's ``call`` takes an argument ``name`` (``"training"``,
        ``"mask"``); ``"**"`` asks whether it takes any keyword. Models ask it before passing
        the flags Keras lets every layer be called with."""
        cls = type(self)
        cache = cls.__dict__.get("_sloi_call_params")
        if cache is None:
            params = inspect.signature(cls.call).parameters
            cache = set(params)
            if any(p.kind == p.VAR_KEYWORD for p in params.values()):
                cache.add("**")
            cls._sloi_call_params = cache
        return name in cache

    def integer_input_cast(self):
        """The dtype that bool / int inputs of this layer are cast to before ``call`` (the
        layer's float dtype, as Keras's ops promote them), or None where they stay as they
        are: a layer without float weights (Reshape keeps integer ids integers) or one that
        ``keeps_integer_inputs``. Decided once, after build."""
        cast = self.__dict__.get("_integer_input_cast", False)
        if cast is False:
            takes = (not self.keeps_integer_inputs and self._dtype.is_floating_point
                     and any(p.is_floating_point() for p in self.parameters()))
            cast = self._dtype if takes else None
            if self.built:
                self._integer_input_cast = cast
        return cast

    def _prepare_eager_inputs(self, args):
        if not args:
            return args
        first = convert_eager(self, args[0], self._dtype)
        return (first,) + tuple(
            torch.from_numpy(a) if isinstance(a, np.ndarray) else a for a in args[1:]
        )

    def _check_input_specs(self, inputs, describe):
        spec = self.input_spec
        if spec is None:
            return
        if isinstance(spec, (list, tuple)):
            flat = tree.flatten(inputs)
            for i, (s, x) in enumerate(zip(spec, flat)):
                _check_one(self, s, x, describe, position=i)
        else:
            _check_one(self, spec, tree.flatten(inputs)[0], describe)

    # ------------------------------------------------------------------ graph properties
    @property
    def inbound_nodes(self) -> list[Node]:
        """The ``Node`` of each call of this layer on symbolic tensors, in call order (Keras's
        ``inbound_nodes``): a layer shared by two branches has two."""
        return self._inbound_nodes

    def _node_property(self, attr: str, which: str):
        if not self._inbound_nodes:
            raise AttributeError(
                f'Layer "{self.name}" has never been called on a symbolic input, so it has no '
                f"{which}."
            )
        node = self._inbound_nodes[0]
        value = getattr(node, attr)
        if attr == "input_tensors":
            value = node.call_args[0] if node.call_args else value
        return value

    @property
    def input(self):
        return self._node_property("input_tensors", "input")

    @property
    def output(self):
        return self._node_property("outputs", "output")

    # ------------------------------------------------------------------ config
    def get_config(self) -> dict:
        config = {"name": self.name, "trainable": self.trainable, "dtype": self.dtype}
        if self._batch_input_shape is not None:
            config["batch_input_shape"] = self._batch_input_shape
        if self.activity_regularizer is not None:
            config["activity_regularizer"] = _regularizers.serialize(self.activity_regularizer)
        return config

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def extra_repr(self) -> str:
        return f"name={self.name!r}"


def _check_one(layer, spec, x, describe, position=None) -> None:
    if x is None:
        check_input(layer, spec, None, "None", position=position)
        return
    shape = tuple(x.shape)
    check_input(layer, spec, shape, describe(shape, x), position=position,
                dtype=getattr(x, "dtype", None))


def _float_dtype_after(fn, dtype: torch.dtype) -> torch.dtype | None:
    """The dtype a module conversion ``fn`` gives a tensor of ``dtype`` (None when it cannot
    tell): the same one for a move, the new one for ``.double()`` and the like."""
    try:
        probe = fn(torch.zeros((), dtype=dtype))
    except Exception:  # a conversion of the user's own, for other tensors
        return None
    dtype = getattr(probe, "dtype", None)
    return dtype if isinstance(dtype, torch.dtype) and dtype.is_floating_point else None


def _with_mask_of(source: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``x`` carrying the mask ``source`` carries (a cast makes a new tensor without it)."""
    mask = get_keras_mask(source)
    if mask is not None:
        set_keras_mask(x, mask)
    return x
