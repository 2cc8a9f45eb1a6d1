"""``get_source_inputs``: the ``Input`` tensors a symbolic tensor was computed from."""

from __future__ import annotations


def get_source_inputs(tensor) -> list:
    """The input tensors (``Input(...)`` results, or tensors with no history) that ``tensor``
    depends on, each once, in the order the graph reaches them. A value that is not a symbolic
    tensor comes back as it is."""
    if not hasattr(tensor, "_keras_history"):
        return tensor
    node = tensor.node
    if node is None:
        return [tensor]
    if node.is_input:
        return list(node.output_tensors)
    sources = []
    for parent in node.input_tensors:
        for x in get_source_inputs(parent):
            if all(x is not seen for seen in sources):
                sources.append(x)
    return sources
