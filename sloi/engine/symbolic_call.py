"""A layer called on symbolic tensors: check the inputs, build, infer the outputs' shapes and
masks, and record the ``Node`` that ties them into the graph (``Layer.__call__`` hands symbolic
calls here). ``self`` is the layer being called."""

from __future__ import annotations

import inspect

import torch

from sloi.engine import tree
from sloi.engine.call_inputs import broadcast_masks, carried_mask, check_symbolic_inputs
from sloi.engine.shape_inference import infer_output_spec
from sloi.engine.symbolic import History, Node, SymbolicTensor


def symbolic_call(self, args, kwargs):
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
    if in_mask is not None and "mask" not in kwargs and self._call_accepts("mask"):
        kwargs = dict(kwargs, mask=in_mask)
    outputs = infer_output_spec(self, args, kwargs)
    node_index = len(self._inbound_nodes)
    flat = tree.flatten(outputs)
    masks = _symbolic_masks(self, args[0], kwargs.get("mask", in_mask), outputs)
    for i, (out, m) in enumerate(zip(flat, masks)):
        out._keras_history = History(self, node_index, i)
        out.name = self.name if len(flat) == 1 else f"{self.name}_{i}"
        out._keras_mask = m
    self._inbound_nodes.append(Node(self, tuple(args), dict(node_kwargs), outputs))
    return outputs

def _symbolic_masks(self, inputs, in_mask, outputs):
    """Masks of the outputs, as symbolic tensors, found by running ``compute_mask`` on meta
    tensors (cheap, shape-only)."""
    flat = tree.flatten(outputs)
    from sloi.engine.layer import Layer

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
