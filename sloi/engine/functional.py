"""``Functional``: a model defined by its inputs and outputs, ``Model(inputs=x, outputs=y)``.

At construction the call history is walked back once from the outputs (``map_graph``): the
layers in Keras's order (deepest first, ties by discovery), the nodes in an order that computes
every input before its use, and clear errors for graphs that cannot run. Calling the model then
runs a flat plan: one layer call per node, values kept by tensor id.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from sloi.engine import naming, string_inputs, tree
from sloi.engine.call_inputs import broadcast_masks, describe_value
from sloi.engine.dtypes import STRING
from sloi.engine.keras_mask import set_keras_mask
from sloi.engine.layer import Layer
from sloi.engine.model import Model
from sloi.engine.module_tools import first_parameter, layer_list
from sloi.engine.operation import Operation
from sloi.engine.symbolic import SymbolicTensor, format_shape

_INTEGER_DTYPES = [torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64]
_module_call = nn.Module.__call__  # a step of the plan skips Layer.__call__'s symbolic checks


class Functional(Model):
    """A model from symbolic inputs to symbolic outputs (single tensors, lists or dicts)."""

    # strings may come in: ``_standardize_inputs`` gives them to Input(dtype="string") and
    # refuses them, naming the input, anywhere else
    accepts_strings = True

    def __init__(self, inputs, outputs, name=None, trainable=True, **kwargs):
        # "functional", or a functional subclass's own name ("custom_fit"), as in Keras
        name = name or naming.unique_name(naming.to_snake_case(type(self).__name__))
        super().__init__(name=name, trainable=trainable, **kwargs)
        self._init_graph(inputs, outputs)

    # ------------------------------------------------------------------ graph
    def _init_graph(self, inputs, outputs) -> None:
        if isinstance(inputs, tuple):
            inputs = list(inputs)
        if isinstance(outputs, tuple):
            outputs = list(outputs)
        if isinstance(inputs, list) and len(inputs) == 1 and not isinstance(outputs, dict):
            inputs = inputs[0]
        for role, structure in (("inputs", inputs), ("outputs", outputs)):
            for x in tree.flatten(structure):
                if not isinstance(x, SymbolicTensor):
                    raise TypeError(
                        f'Model "{self.name}": {role} must be symbolic tensors (from Input() '
                        f"or the output of a layer); got {describe_value(x)}"
                    )
        self._inputs_struct = inputs
        self._outputs_struct = outputs
        flat_inputs, flat_outputs = tree.flatten(inputs), tree.flatten(outputs)
        nodes, layers = map_graph(self.name, flat_inputs, flat_outputs)
        _check_unique_names(self.name, layers)
        # Registered by position, as nn.Sequential does: state_dict keys ("net.1.kernel") are
        # the same for every model built by the same code, whatever the auto-names.
        self.net = layer_list(layers)
        self._layers = layers
        self._nodes = [n for n in nodes if not n.is_input]
        self._flat_inputs = flat_inputs
        self._flat_outputs = flat_outputs
        self._uses_masks = any(
            t.mask is not None for n in nodes for t in n.output_tensors
        )
        self._chain = self._chain_plan()
        self._release_after = self._release_plan()
        self._input_dtypes = self._input_dtype_plan()
        # the dtypes a single input's batches keep as they are (the fast path's one test)
        self._kept_dtypes = frozenset(
            [flat_inputs[0].dtype] + (_INTEGER_DTYPES if self._input_dtypes[0] is None else []))
        # nodes whose first input is bool / int inside the graph and whose layer takes floats
        # (Input(dtype="int32") into Dense): that input is cast there, as an eager call does
        self._integer_casts = {
            id(node): cast for node in self._nodes
            if node.call_args and isinstance(node.call_args[0], SymbolicTensor)
            and not node.call_args[0].dtype.is_floating_point
            and isinstance(node.layer, Layer)
            and (cast := node.layer.integer_input_cast()) is not None}
        if self._integer_casts:
            self._chain = None
        # the string stage: nodes that read a string input run on the host; their outputs go
        # to the device of the model's weights, where the tensor stage begins
        self._string_nodes = {id(node) for node in self._nodes
                              if any(x.dtype is STRING for x in node.input_tensors)}
        if self._string_nodes:
            self._chain = None
        self.built = True
        self._build_input_shape = tree.map_structure(lambda t: t.shape, inputs)

    def _chain_plan(self):
        """For a plain chain (one input, one output, each layer fed by the one before), the
        layers to call in turn; None for any other graph."""
        if len(self._flat_inputs) != 1 or len(self._flat_outputs) != 1:
            return None
        current = self._flat_inputs[0]
        chain = []
        for node in self._nodes:
            if (
                node.call_kwargs or len(node.call_args) != 1
                or node.call_args[0] is not current or len(node.output_tensors) != 1
                or not isinstance(node.outputs, SymbolicTensor)
            ):
                return None
            chain.append(node.layer)
            current = node.outputs
        return chain if current is self._flat_outputs[0] else None

    def _input_dtype_plan(self) -> list:
        """For each input, the dtype its data is cast to when it comes in another (Keras casts
        every input to its Input's dtype), or None where integer data stays as it is: an
        input read only by layers that take integer ids (Embedding) keeps them exact."""
        readers: dict = {}
        for node in self._nodes:
            for x in tree.flatten((node.call_args, node.call_kwargs)):
                if isinstance(x, SymbolicTensor):
                    readers.setdefault(id(x), []).append(node.layer)
        plan = []
        for t in self._flat_inputs:
            users = readers.get(id(t), [])
            ids_only = bool(users) and all(getattr(u, "keeps_integer_inputs", False)
                                           for u in users)
            plan.append(None if ids_only and t.dtype.is_floating_point else t.dtype)
        return plan

    def _release_plan(self) -> list[list[int]]:
        """For each node, the tensors (by id) it is the last to read: the graph runner drops
        them once it has run, so the memory can serve the next layers (a branched model
        otherwise holds every intermediate to the end; measured on the lecture's two-branch
        Conv2D model, CPU inference: the final concatenate took 6 ms instead of 1.5, writing
        into freshly mapped pages). Model outputs are kept."""
        last_reader = {}
        for index, node in enumerate(self._nodes):
            for x in tree.flatten((node.call_args, node.call_kwargs)):
                if isinstance(x, SymbolicTensor):
                    last_reader[id(x)] = index
        keep = {id(t) for t in self._flat_outputs}
        plan = [[] for _ in self._nodes]
        for tensor_id, index in last_reader.items():
            if tensor_id not in keep:
                plan[index].append(tensor_id)
        return plan

    @property
    def layers(self) -> list[Layer]:
        """The layers, in Keras's order; op nodes (``x + y``, ``ops.mean``) are steps of the
        graph but not layers, as in Keras."""
        return [layer for layer in self._layers if not isinstance(layer, Operation)]

    @property
    def operations(self) -> list[Layer]:
        """Every step of the graph: the layers and the op nodes (Keras's ``operations``)."""
        return list(self._layers)

    @property
    def inputs(self) -> list[SymbolicTensor]:
        return list(self._flat_inputs)

    @property
    def outputs(self) -> list[SymbolicTensor]:
        return list(self._flat_outputs)

    def _summary_rows(self) -> tuple[list, bool]:
        return self.operations, _prints_as_stack(self)

    @property
    def nodes(self) -> list:
        """The calls of the graph (``Node``), in the order the model runs them; the Input
        nodes are not among them."""
        return list(self._nodes)

    @property
    def string_stage_outputs(self) -> list[SymbolicTensor]:
        """The tensors made by the layers that read string inputs (TextVectorization,
        StringLookup, Hashing): where the tensor stage begins. Empty without string inputs."""
        return [t for node in self._nodes if id(node) in self._string_nodes
                for t in node.output_tensors]

    @property
    def input(self):
        return self._inputs_struct

    @property
    def output(self):
        return self._outputs_struct

    @property
    def input_shape(self):
        return tree.map_structure(lambda t: t.shape, self._inputs_struct)

    @property
    def output_shape(self):
        return tree.map_structure(lambda t: t.shape, self._outputs_struct)

    @property
    def input_names(self) -> list[str]:
        return [t.history.layer.name for t in self._flat_inputs]

    @property
    def output_names(self) -> list[str]:
        return [t.history.layer.name for t in self._flat_outputs]

    # ------------------------------------------------------------------ running
    # its layers take the enclosing training flag themselves (Layer.forward): passing it down
    # as an argument would take each of them off its plain-call path
    _call_takes_training = False

    def call(self, inputs, training=None, mask=None):
        values = self._standardize_inputs(inputs)
        chain = self._chain
        if chain is not None and training is None and mask is None and not self._uses_masks:
            x = values[0]
            for layer in chain:
                x = _module_call(layer, x)
            return x
        return self._run_graph(values, training, mask)

    def _run_graph(self, flat_values, training, mask):
        values = {id(t): v for t, v in zip(self._flat_inputs, flat_values)}
        masks = {}
        if mask is not None:
            for t, m in zip(self._flat_inputs, tree.flatten(mask)):
                masks[id(t)] = m
                if m is not None:
                    set_keras_mask(values[id(t)], m)
        use_masks = self._uses_masks or mask is not None

        def lookup(x):
            return values[id(x)] if isinstance(x, SymbolicTensor) else x

        casts = self._integer_casts
        string_nodes = self._string_nodes
        device = None
        if string_nodes:
            weight = first_parameter(self)
            device = weight.device if weight is not None else None
        for node, release in zip(self._nodes, self._release_after):
            layer = node.layer
            args = tree.map_structure(lookup, node.call_args)
            if casts and id(node) in casts:
                args = [args[0].to(casts[id(node)]), *args[1:]]
            kwargs = tree.map_structure(lookup, node.call_kwargs) if node.call_kwargs else {}
            if training is not None and "training" not in kwargs and layer.call_accepts(
                    "training"):
                kwargs["training"] = training
            in_mask = None
            if use_masks:
                first = node.call_args[0] if node.call_args else None
                in_mask = tree.map_structure(
                    lambda x: masks.get(id(x)) if isinstance(x, SymbolicTensor) else None, first
                )
                if not any(m is not None for m in tree.flatten(in_mask)):
                    in_mask = None
                elif "mask" in node.call_kwargs:
                    kwargs["mask"] = lookup(node.call_kwargs["mask"])
                elif layer.call_accepts("mask"):
                    kwargs["mask"] = in_mask
            if use_masks:
                for param, source in node.named_mask_args:
                    if param not in kwargs and masks.get(id(source)) is not None:
                        kwargs[param] = masks[id(source)]
            outputs = _module_call(layer, *args, **kwargs)
            if device is not None and id(node) in string_nodes:
                outputs = tree.map_structure(
                    lambda v: v.to(device) if isinstance(v, torch.Tensor) else v, outputs)
            flat = tree.flatten(outputs)
            for t, v in zip(node.output_tensors, flat):
                values[id(t)] = v
            if use_masks and any(t.mask is not None for t in node.output_tensors):
                out_mask = layer.compute_mask(args[0], kwargs.get("mask", in_mask))
                for t, v, m in zip(node.output_tensors, flat, broadcast_masks(out_mask, outputs)):
                    masks[id(t)] = m
                    # carried by the value too, as in Keras: a layer that the next layer's
                    # ``call`` calls itself (MultiHeadAttention inside an encoder block) reads
                    # its input's mask from there, and so do the losses and metrics
                    if m is not None and isinstance(v, torch.Tensor):
                        set_keras_mask(v, m)
            del args, kwargs, outputs, flat
            for tensor_id in release:
                values.pop(tensor_id, None)
        return tree.pack_like(self._outputs_struct, [values[id(t)] for t in self._flat_outputs])

    def _standardize_inputs(self, inputs) -> list[torch.Tensor]:
        """The inputs as a flat list of tensors in ``self.inputs`` order, each in its Input's
        dtype (``_input_dtype_plan``) and checked against its Input's shape."""
        expected = self._flat_inputs
        if type(inputs) is torch.Tensor and len(expected) == 1:  # every batch of fit / predict
            t = expected[0]
            if inputs.dtype in self._kept_dtypes:
                shape = inputs.shape
                if len(shape) == len(t.shape) and all(
                        d is None or d == s for d, s in zip(t.shape, shape)):
                    return [inputs]
        if isinstance(inputs, dict):
            flat = self._inputs_from_dict(inputs)
        elif isinstance(inputs, (list, tuple)) and (len(expected) > 1 or all(
                isinstance(x, (torch.Tensor, np.ndarray)) for x in inputs)):
            self._check_list_for_dict_inputs(inputs)
            flat = list(inputs)
        else:
            flat = [inputs]
        if len(flat) != len(expected):
            raise ValueError(
                f'Model "{self.name}" expects {len(expected)} input(s) '
                f"{[format_shape(t.shape) for t in expected]}; got {len(flat)}"
            )
        result = []
        for t, x, cast_to in zip(expected, flat, self._input_dtypes):
            if t.dtype is STRING:
                result.append(string_inputs.string_batch(self.name, t, x))
                continue
            if string_inputs.is_string_data(x):
                raise string_inputs.unexpected_strings(self.name, t, x)
            if isinstance(x, np.ndarray):
                x = torch.from_numpy(x)
            elif not isinstance(x, torch.Tensor):
                if isinstance(x, Layer) or isinstance(x, SymbolicTensor):
                    raise TypeError(
                        f'Model "{self.name}" expects data for input '
                        f'"{t.history.layer.name}"; got {describe_value(x)}'
                    )
                x = torch.as_tensor(np.asarray(x))
            if x.dtype != t.dtype and (cast_to is not None or x.is_floating_point()
                                       or x.dtype == torch.bool):
                # as Keras: bool / int data into a float Input become floats (one-hot bool
                # arrays, uint8 images), float64 becomes float32, floats into an int Input ints
                x = x.to(t.dtype)
            shape = x.shape
            if len(shape) != len(t.shape) or any(
                    d is not None and d != s for d, s in zip(t.shape, shape)):
                raise ValueError(
                    f'Model "{self.name}" expects input "{t.history.layer.name}" of shape '
                    f"{format_shape(t.shape)}; got data of shape {format_shape(tuple(shape))}"
                )
            result.append(x)
        return result

    def _inputs_from_dict(self, inputs: dict) -> list:
        """Data given as a dict, in ``self.inputs`` order: by the keys the model's inputs were
        given with (``Model({"ids": a, "extra": b}, ...)``), else by the Input layers' names."""
        struct = self._inputs_struct
        if isinstance(struct, dict) and all(isinstance(t, SymbolicTensor)
                                            for t in struct.values()):
            keys, what = tree.dict_keys(struct), "keys"
        else:
            keys, what = self.input_names, "names"
        missing = [k for k in keys if k not in inputs]
        if missing:
            raise ValueError(
                f'Model "{self.name}" expects inputs with {what} {keys}; missing {missing} in '
                f"the given dict with keys {list(inputs)}"
            )
        return [inputs[k] for k in keys]

    def _check_list_for_dict_inputs(self, inputs) -> None:
        """A list of data for a model whose inputs were a dict goes in sorted key order, which
        Keras accepts only where the dict's own order was that order."""
        struct = self._inputs_struct
        if not isinstance(struct, dict):
            return
        flat_keys = tree.dict_keys(struct)
        if list(struct) != flat_keys:
            raise ValueError(
                f'Model "{self.name}" was built with its inputs as a dict with keys '
                f"{list(struct)}, so a {type(inputs).__name__} of data is ambiguous: pass a "
                f"dict with those keys (as in Keras, a list would mean the sorted order "
                f"{flat_keys})"
            )


def _prints_as_stack(model) -> bool:
    """Whether a Functional model is one line of steps, each fed by the one before: Keras
    then prints it as a stack."""
    if len(model.inputs) != 1:
        return False
    previous, layers_seen = [model.inputs[0]], set()
    for node in model.nodes:
        ins = list(node.input_tensors)
        if len(ins) != 1 or not any(ins[0] is t for t in previous):
            return False
        if id(node.layer) in layers_seen:  # a shared layer
            return False
        layers_seen.add(id(node.layer))
        previous = list(node.output_tensors)
    return all(any(out is t for t in previous) for out in model.outputs)


def map_graph(model_name: str, inputs: list, outputs: list):
    """Nodes in an executable order and layers in Keras's order, for a graph from ``inputs``
    to ``outputs``.

    Keras orders layers by depth (distance from the outputs, deepest first) and breaks ties by
    the order a depth-first walk from the outputs first meets them; ``get_weights`` follows that
    order, so sloi follows it too.
    """
    input_ids = {id(t) for t in inputs}
    finished, in_progress = set(), set()
    post_order = []  # nodes, inputs before their users
    first_seen: dict = {}  # layer -> discovery index

    def visit(tensor, consumer):
        node = tensor.node
        if node is None:
            raise ValueError(
                f'Model "{model_name}": tensor {tensor!r} has no history; model tensors must '
                "come from Input() or from calling layers on it"
            )
        if id(node) in finished:
            return
        if id(tensor) in input_ids and not node.is_input:
            finished.add(id(node))
            return
        if node.is_input and id(tensor) not in input_ids:
            raise ValueError(
                f'Model "{model_name}": graph disconnected. Output of layer "{consumer}" needs '
                f'Input "{node.layer.name}" (shape {format_shape(tensor.shape)}), which is not '
                f"among the model's inputs {[t.history.layer.name for t in inputs]}"
            )
        if id(node) in in_progress:
            raise ValueError(f'Model "{model_name}": layer "{node.layer.name}" is in a cycle')
        first_seen.setdefault(node.layer, len(first_seen))
        in_progress.add(id(node))
        for x in node.input_tensors:
            visit(x, node.layer.name)
        in_progress.discard(id(node))
        finished.add(id(node))
        post_order.append(node)

    for out in outputs:
        visit(out, out.history.layer.name if out.history else "?")

    in_graph = {id(n) for n in post_order}
    node_depth: dict = {}
    layer_depth: dict = {}
    for node in reversed(post_order):
        depth = max(node_depth.get(id(node), 0), layer_depth.get(node.layer, 0))
        node_depth[id(node)] = depth
        layer_depth[node.layer] = depth
        for parent in node.parent_nodes:
            if id(parent) in in_graph:
                node_depth[id(parent)] = max(node_depth.get(id(parent), 0), depth + 1)
    for t in inputs:  # unused inputs still belong to the model
        layer = t.history.layer
        if layer not in layer_depth and t.node.is_input:
            layer_depth[layer] = 0
            first_seen.setdefault(layer, len(first_seen))
            post_order.insert(0, t.node)
            node_depth[id(t.node)] = 0
    layers = sorted(layer_depth, key=lambda layer: (-layer_depth[layer], first_seen[layer]))
    nodes = sorted(post_order, key=lambda n: -node_depth[id(n)])
    return nodes, layers


def _check_unique_names(model_name: str, layers) -> None:
    seen = {}
    for layer in layers:
        if layer.name in seen:
            raise ValueError(
                f'Model "{model_name}": the name "{layer.name}" is used by two different layers '
                f"({type(seen[layer.name]).__name__} and {type(layer).__name__}); every layer of "
                "a model needs its own name"
            )
        seen[layer.name] = layer
