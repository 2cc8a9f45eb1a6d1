"""The configs of ``Functional`` and ``Sequential`` models, in Keras 3's format.

A functional model's config lists its layers (Keras's order), each with the calls that belong
to this model (``inbound_nodes``: the arguments of each call, symbolic tensors written as
``[layer name, node index, tensor index]``), and says which tensors are the model's inputs and
outputs (``input_layers`` / ``output_layers``, in the model's structure: one, a list or a dict).
Rebuilding creates every layer, then replays the calls in an order where each call's inputs
exist, which also handles a layer shared at several depths.

As in Keras, a nested functional model counts one call of its own before any other (Keras
records the call that built it), so its node indices in a config start at 1; a nested
Sequential's start at 0.
"""

from __future__ import annotations

from sloi.engine import Functional, InputLayer, Sequential, SymbolicTensor, tree
from sloi.saving import deserialization as de
from sloi.saving import serialization as ser


def _own_node_offset(layer) -> int:
    return 1 if isinstance(layer, Functional) and not isinstance(layer, Sequential) else 0


# ---------------------------------------------------------------------------- get_config
def functional_get_config(model) -> dict:
    """``model.get_config()`` for a functional model, as Keras 3 writes it."""
    for t in model.inputs:
        if not isinstance(t.history.layer, InputLayer):
            raise ValueError(
                f'Model "{model.name}": its input "{t.name}" is the output of layer '
                f'"{t.history.layer.name}", not of an Input(); get_config() needs models '
                "whose inputs come from Input()"
            )
    own = {id(n) for n in model.nodes} | {id(t.node) for t in model.inputs}
    new_index = {}  # id(node) -> its index among the nodes of its layer kept in this config
    for layer in model.operations:
        kept = _own_node_offset(layer)
        for node in layer.inbound_nodes:
            if id(node) in own:
                new_index[id(node)] = kept
                kept += 1

    def tensor_ref(t: SymbolicTensor) -> list:
        history = t.history
        node = t.node
        if id(node) not in new_index:
            raise ValueError(
                f'Model "{model.name}": tensor {t!r} comes from a call of layer '
                f'"{history.layer.name}" outside this model'
            )
        return [history.layer.name, new_index[id(node)], history.tensor_index]

    def serialize_arg(x):
        if isinstance(x, SymbolicTensor):
            return {"class_name": "__keras_tensor__", "config": {
                "shape": list(x.shape), "dtype": ser.dtype_name(x.dtype),
                "keras_history": tensor_ref(x)}}
        return ser.serialize_keras_object(x)

    layer_configs = []
    for layer in model.operations:
        entry = ser.serialize_keras_object(layer)
        entry["name"] = layer.name
        entry["inbound_nodes"] = [
            {"args": [tree.map_structure(serialize_arg, a) for a in node.call_args],
             "kwargs": {k: tree.map_structure(serialize_arg, v)
                        for k, v in node.call_kwargs.items()}}
            for node in layer.inbound_nodes if id(node) in own and not node.is_input
        ]
        layer_configs.append(entry)
    return {
        "name": model.name,
        "trainable": model.trainable,
        "layers": layer_configs,
        "input_layers": tree.map_structure(tensor_ref, model.input),
        "output_layers": tree.map_structure(tensor_ref, model.output),
    }


def sequential_get_config(model) -> dict:
    """``model.get_config()`` for a Sequential model: its layers in order, an InputLayer first
    when the input shape is known."""
    layers = []
    if model.input_layer is not None:
        layers.append(ser.serialize_keras_object(model.input_layer))
    layers += [ser.serialize_keras_object(layer) for layer in model.layers]
    config = {"name": model.name, "trainable": model.trainable, "layers": layers}
    if model.built and model.input_layer is not None:
        config["build_input_shape"] = list(model.input_layer.batch_shape)
    return config


# ---------------------------------------------------------------------------- from_config
class _NotReady(Exception):
    """A call whose inputs are not created yet: retried after other calls."""


def functional_from_config(cls, config: dict, custom_objects=None, make_layer=None):
    """``cls.from_config(config)`` for a functional model: layers, then their calls, then
    ``cls(inputs, outputs)``. ``make_layer(layer_data)`` replaces deserialization of the
    layers (``clone_model`` uses it)."""
    ctx = de.DecodingContext(custom_objects)
    _require(config, ("layers", "input_layers", "output_layers"), "functional model")
    created = {}
    pending = []  # (layer, [node data, ...]) in the config's order
    for i, layer_data in enumerate(config["layers"]):
        if not isinstance(layer_data, dict):
            raise ValueError(f"Layer entry {i} of the model config is not a dict: {layer_data!r}")
        name = layer_data.get("name") or (layer_data.get("config") or {}).get("name")
        if name in created:
            raise ValueError(f'The model config names two layers "{name}"')
        layer = (make_layer(layer_data) if make_layer is not None
                 else de.deserialize(layer_data, ctx, "layers", build=False))
        created[layer.name if name is None else name] = layer
        nodes = layer_data.get("inbound_nodes") or []
        if not isinstance(nodes, list):
            raise ValueError(f'Layer "{name}": inbound_nodes must be a list; got {nodes!r}')
        pending.append((layer, list(nodes)))

    while any(nodes for _, nodes in pending):
        progress = False
        for layer, nodes in pending:
            while nodes:
                try:
                    args, kwargs = _node_arguments(nodes[0], created, ctx)
                except _NotReady:
                    break
                layer(*args, **kwargs)
                nodes.pop(0)
                progress = True
        if not progress:
            stuck = {layer.name: len(nodes) for layer, nodes in pending if nodes}
            raise ValueError(
                "The model config cannot be rebuilt: the calls of layers "
                f"{stuck} wait for tensors that no call produces (a cycle, or a reference to a "
                "missing call)"
            )

    try:
        inputs = _map_refs(config["input_layers"], created)
        outputs = _map_refs(config["output_layers"], created)
    except _NotReady as e:  # a model input or output that no call of its layer produces
        raise ValueError(f"The model config names {e.args[0]!r} as a model input or output, "
                         "but its layer is not called that often") from e
    extra = {k: v for k, v in config.items()
             if k not in ("layers", "input_layers", "output_layers", "name", "trainable")}
    extra.pop("dtype", None)
    try:
        model = cls(inputs=inputs, outputs=outputs, name=config.get("name"), **extra)
    except TypeError as e:
        raise ValueError(f"Cannot build {cls.__name__} from the config: {e}") from e
    if config.get("trainable") is False:
        model.trainable = False
    return model


def sequential_from_config(cls, config: dict, custom_objects=None):
    """``Sequential.from_config(config)``: the layers added in order, then built when the
    config knows the input shape."""
    ctx = de.DecodingContext(custom_objects)
    _require(config, ("layers",), "Sequential model")
    if not isinstance(config["layers"], list):
        raise ValueError(f"A Sequential config's layers must be a list; got {config['layers']!r}")
    layers = [de.deserialize(layer_data, ctx, "layers") for layer_data in config["layers"]]
    model = cls(layers=layers, name=config.get("name"), trainable=config.get("trainable", True))
    shape = config.get("build_input_shape")
    if not model.built and shape is not None and model.layers:
        model.build(de.as_shape(shape))
    return model


def _require(config, keys, what):
    if not isinstance(config, dict):
        raise ValueError(f"A {what} config must be a dict; got {type(config).__name__}")
    missing = [k for k in keys if k not in config]
    if missing:
        raise ValueError(
            f"This is not a {what} config: it lacks {missing} (it has {sorted(config)})"
        )


def _tensor(ref, created) -> SymbolicTensor:
    """The output ``[layer name, node index, tensor index]`` refers to."""
    if not (isinstance(ref, (list, tuple)) and len(ref) == 3 and isinstance(ref[0], str)
            and isinstance(ref[1], int) and isinstance(ref[2], int)):
        raise ValueError(f"A tensor reference must be [layer name, node index, tensor index]; "
                         f"got {ref!r}")
    name, node_index, tensor_index = ref
    if name not in created:
        raise ValueError(f'The model config refers to layer "{name}", which it does not define '
                         f"(its layers: {sorted(created)})")
    layer = created[name]
    node_index -= _own_node_offset(layer)
    if node_index < 0:
        raise ValueError(f"Bad node index in tensor reference {ref!r}")
    if node_index >= len(layer.inbound_nodes):
        raise _NotReady(ref)
    outputs = layer.inbound_nodes[node_index].output_tensors
    if tensor_index >= len(outputs) or tensor_index < 0:
        raise ValueError(f'Layer "{name}" has {len(outputs)} output(s); the config asks for '
                         f"output {tensor_index}")
    return outputs[tensor_index]


def _is_ref(x) -> bool:
    return (isinstance(x, (list, tuple)) and len(x) == 3 and isinstance(x[0], str)
            and isinstance(x[1], int) and isinstance(x[2], int))


def _map_refs(structure, created):
    """``input_layers`` / ``output_layers`` to tensors, keeping lists and dicts."""
    if _is_ref(structure):
        return _tensor(structure, created)
    if isinstance(structure, dict):
        return {k: _map_refs(v, created) for k, v in structure.items()}
    if isinstance(structure, (list, tuple)):
        return [_map_refs(v, created) for v in structure]
    raise ValueError(f"Cannot read the model's inputs/outputs from {structure!r}")


def _node_arguments(node_data, created, ctx):
    """``(args, kwargs)`` of one recorded call; raises ``_NotReady`` when an input is
    missing."""
    if isinstance(node_data, list):  # Keras 2's format: [[name, node, tensor, kwargs], ...]
        tensors, kwargs = [], {}
        for item in node_data:
            if not isinstance(item, (list, tuple)) or len(item) not in (3, 4):
                raise ValueError(f"Cannot read the layer call {node_data!r}")
            tensors.append(_tensor(list(item[:3]), created))
            if len(item) == 4 and isinstance(item[3], dict):
                kwargs = item[3]
        return [tensors[0] if len(tensors) == 1 else tensors], dict(kwargs)
    if not isinstance(node_data, dict):
        raise ValueError(f"Cannot read the layer call {node_data!r}")

    def revive(x):
        if isinstance(x, dict) and x.get("class_name") == "__keras_tensor__":
            ref = (x.get("config") or {}).get("keras_history")
            return _tensor(ref, created)
        if isinstance(x, dict) and "class_name" in x:
            return de.deserialize(x, ctx)
        if isinstance(x, dict):
            return {k: revive(v) for k, v in x.items()}
        if isinstance(x, (list, tuple)):
            return type(x)(revive(v) for v in x)
        return x

    args = node_data.get("args", [])
    kwargs = node_data.get("kwargs", {})
    if not isinstance(args, (list, tuple)) or not isinstance(kwargs, dict):
        raise ValueError(f"Cannot read the layer call {node_data!r}")
    kwargs = {k: v for k, v in kwargs.items() if not (k == "mask" and v is None)}
    return [revive(a) for a in args], {k: revive(v) for k, v in kwargs.items()}
