"""Rebuilding an op from the config Keras 3 writes for it: Keras keeps an op's non-tensor
arguments in its config and the tensors in the node's call, and sloi rebuilds the op by class
name as ``fn(*call_args, **config)``. The function's keyword names must be Keras's."""

from __future__ import annotations

import keras
import numpy as np

import sloi.ops  # noqa: F401 - fills the op catalogue
from sloi.engine.operation import Operation


def check_keras_config(name, *args, rtol=1e-6, **kwargs):
    """Call ``keras.ops.<name>`` on symbolic tensors of the array arguments, rebuild the op
    Keras recorded from its class name and config, run it on the arrays with the call's
    other arguments, and compare with Keras's eager result."""
    tensors = {}  # id of each KerasTensor -> the array it stands for

    def symbolic(x):
        if isinstance(x, np.ndarray):
            t = keras.KerasTensor(x.shape, dtype=str(x.dtype))
            tensors[id(t)] = x
            return t
        if isinstance(x, (list, tuple)):
            return type(x)(symbolic(v) for v in x)
        return x

    def flat(x):
        return [y for item in x for y in flat(item)] if isinstance(x, (list, tuple)) else [x]

    out = getattr(keras.ops, name)(*symbolic(list(args)), **kwargs)
    history = flat(out)[0]._keras_history
    operation = history.operation
    node = operation._inbound_nodes[history.node_index]
    config = operation.get_config()
    ours = Operation.from_class_name(type(operation).__name__, config)

    def real(x):
        if isinstance(x, keras.KerasTensor):
            return tensors[id(x)]
        if isinstance(x, (list, tuple)):
            return type(x)(real(v) for v in x)
        return x

    result = ours(*real(list(node.arguments.args)), **real(dict(node.arguments.kwargs)))
    def tensor(x):  # Keras's eager ops take tensors (some take no numpy arrays)
        if isinstance(x, np.ndarray):
            return keras.ops.convert_to_tensor(x)
        if isinstance(x, (list, tuple)):
            return type(x)(tensor(v) for v in x)
        return x

    expected = getattr(keras.ops, name)(*tensor(list(args)), **kwargs)
    for a, b in zip(flat(result), flat(expected)):
        np.testing.assert_allclose(a.detach().numpy().astype("float64"),
                                   keras.ops.convert_to_numpy(b).astype("float64"), rtol=rtol,
                                   atol=1e-6, err_msg=name)
    return config
