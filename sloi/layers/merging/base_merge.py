"""``Merge``: the base of the layers that combine a list of tensors into one.

It checks the list (a list, enough inputs, shapes that fit together) before any work is done,
so a bad merge fails while the graph is built with every input shape in the message. The
element-wise merges (``Add``, ``Multiply``, ...) share its shape rule, Keras's: batch sizes
must agree and the other axes broadcast, lined up from the right.
"""

from __future__ import annotations

import numpy as np
import torch

from sloi.engine import Layer
from sloi.engine.symbolic import SymbolicTensor, format_shape
from sloi.kernels.merging import expand_to_rank, or_masks


def _describe_one(x) -> str:
    if isinstance(x, SymbolicTensor):
        return f"a single tensor of {x.describe()}"
    if isinstance(x, (torch.Tensor, np.ndarray)):
        return f"a single tensor of shape {format_shape(tuple(x.shape))}"
    return f"{type(x).__name__}"


def _broadcast_pair(a: tuple, b: tuple):
    """Keras's element-wise shape of two batch-less shapes lined up from the right (``None``
    where either side is unknown), or None when they do not broadcast."""
    if len(a) < len(b):
        a, b = b, a
    if not b:
        return a
    out = list(a[: len(a) - len(b)])
    for i, j in zip(a[len(a) - len(b):], b, strict=True):
        if i is None or j is None:
            out.append(None)
        elif i == 1 or j == 1 or i == j:
            out.append(j if i == 1 else i)
        else:
            return None
    return tuple(out)


class Merge(Layer):
    """Base of the merging layers: called on a list of tensors, returns one tensor.

    Subclasses give ``_merge_function(inputs, masks)`` (element-wise merges), or override
    ``_check_shapes`` / ``compute_output_shape`` / ``call`` for other rules (``Concatenate``,
    ``Dot``). ``_num_inputs`` fixes the number of inputs when the merge needs exactly that many.
    """

    _num_inputs: int | None = None

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    # ------------------------------------------------------------------ checks
    def __call__(self, inputs=None, *args, **kwargs):
        if inputs is None and "inputs" in kwargs:
            inputs = kwargs.pop("inputs")
        if not isinstance(inputs, (list, tuple)):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects a list of input tensors; '
                f"got {_describe_one(inputs)}"
            )
        if all(hasattr(x, "shape") for x in inputs):
            sources = [
                x.history.layer.name
                if isinstance(x, SymbolicTensor) and x.history is not None else None
                for x in inputs
            ]
            self._validate([tuple(x.shape) for x in inputs], sources)
        return super().__call__(inputs, *args, **kwargs)

    def _error(self, need: str, shapes, sources=None, count: bool = False) -> ValueError:
        n = len(shapes)
        text = f"{'shape' if n == 1 else 'shapes'} {', '.join(format_shape(s) for s in shapes)}"
        if count:
            text = f"{n} input{'' if n == 1 else 's'} of {text}"
        if sources and all(s is not None for s in sources):
            names = ", ".join(f'"{s}"' for s in sources)
            text += f" from layer{'s' if n > 1 else ''} {names}"
        return ValueError(f'Layer "{self.name}" ({type(self).__name__}) {need}; got {text}')

    def _validate(self, shapes: list, sources=None) -> None:
        wanted = self._num_inputs
        if not shapes or (wanted is not None and len(shapes) != wanted):
            need = f"exactly {wanted} inputs" if wanted is not None else "at least 1 input"
            if not shapes:
                raise ValueError(f'Layer "{self.name}" ({type(self).__name__}) expects a list '
                                 f"of {need}; got an empty list")
            raise self._error(f"expects a list of {need}", shapes, sources, count=True)
        self._check_shapes(shapes, sources)

    def _check_shapes(self, shapes: list, sources=None) -> None:
        """Element-wise rule: equal batch sizes, the other axes broadcast from the right."""
        batch_sizes = {s[0] for s in shapes if s and s[0] is not None}
        if len(batch_sizes) > 1:
            raise self._error("needs inputs with the same batch size", shapes, sources)
        if self._broadcast_shape(shapes) is None:
            raise self._error(
                "needs inputs whose shapes broadcast together (after the batch axis, sizes "
                "lined up from the right must be equal or 1)", shapes, sources,
            )

    @staticmethod
    def _broadcast_shape(shapes: list):
        out = tuple(shapes[0][1:])
        for s in shapes[1:]:
            out = _broadcast_pair(out, tuple(s[1:]))
            if out is None:
                return None
        return out

    # ------------------------------------------------------------------ layer
    def build(self, input_shape):
        if not isinstance(input_shape, (list, tuple)) or not input_shape or not all(
                isinstance(s, (list, tuple)) for s in input_shape):
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects a list of input shapes; '
                f"got {input_shape}"
            )
        self._validate([tuple(s) for s in input_shape])

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        self._check_shapes(shapes)
        batch_sizes = {s[0] for s in shapes if s and s[0] is not None}
        batch = batch_sizes.pop() if len(batch_sizes) == 1 else None
        return (batch,) + self._broadcast_shape(shapes)

    def call(self, inputs, mask=None):
        inputs = list(inputs)
        masks = self._mask_list(inputs, mask)
        rank = max(x.ndim for x in inputs)
        if any(x.ndim != rank for x in inputs):
            # Keras reshapes the lower-rank inputs; the reshaped tensors no longer carry a mask.
            masks = [m if x.ndim == rank else None for x, m in zip(inputs, masks, strict=True)]
            inputs = [expand_to_rank(x, rank) for x in inputs]
        return self._merge_function(inputs, masks)

    def _merge_function(self, inputs: list, masks: list):
        raise NotImplementedError

    def _mask_list(self, inputs, mask) -> list:
        if mask is None:
            return [None] * len(inputs)
        if not isinstance(mask, (list, tuple)) or len(mask) != len(inputs):
            count = len(mask) if isinstance(mask, (list, tuple)) else "a single tensor"
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) expects one mask (or None) per '
                f"input, {len(inputs)} in all; got {count}"
            )
        return list(mask)

    def compute_mask(self, inputs, previous_mask=None):
        """A step is kept when any input keeps it; no mask when some input has none."""
        if previous_mask is None:
            return None
        masks = self._mask_list(inputs, previous_mask)
        if any(m is None for m in masks):
            return None
        try:
            torch.broadcast_shapes(*(m.shape for m in masks))
        except RuntimeError:
            raise ValueError(
                f'Layer "{self.name}" ({type(self).__name__}) cannot combine masks of shapes '
                f"{', '.join(format_shape(tuple(m.shape)) for m in masks)}: they do not "
                "broadcast together"
            ) from None
        return or_masks(masks)
