"""``Softmax``: the softmax of the input along one or several axes, with an optional mask."""

import torch

from sloi.engine import Layer
from sloi.engine.symbolic import format_shape


def _masked_fill(dtype: torch.dtype) -> float:
    """What masked positions are replaced by before the softmax (Keras's large negative)."""
    return -3.0e4 if dtype == torch.float16 else -1.0e9


class Softmax(Layer):
    """Softmax: ``exp(x) / sum(exp(x))`` along ``axis``.

    Args:
        axis: an int or a list of ints, the axes normalized over (jointly for several).

    Call arguments:
        inputs: a tensor of any rank.
        mask: booleans (or 0/1 numbers) broadcastable to ``inputs`` from the right (each size 1
            or the input's): False positions get a large negative score before the softmax and
            exactly 0 after it, so they take no weight; a fully masked slice gives all zeros.

    Input shape: any. Output shape: the input's.

    Example:
        >>> Softmax()(torch.tensor([[1.0, 2.0, 3.0]]), mask=torch.tensor([[True, True, False]]))
        tensor([[0.2689, 0.7311, 0.0000]])
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)):
            if not axis or not all(isinstance(a, int) and not isinstance(a, bool) for a in axis):
                raise ValueError(f'Layer "{self.name}" (Softmax): axis must be an int or a '
                                 f"non-empty list of ints; got axis={axis!r}")
        elif isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f'Layer "{self.name}" (Softmax): axis must be an int or a list of '
                             f"ints; got axis={axis!r}")
        self.axis = axis
        self.supports_masking = True

    def _check_mask(self, inputs, mask):
        shape, mshape = tuple(inputs.shape), tuple(mask.shape)
        fits = len(mshape) <= len(shape) and all(
            m in (1, i) for m, i in zip(reversed(mshape), reversed(shape)))
        if not fits:
            raise ValueError(
                f'Layer "{self.name}" (Softmax): the mask of shape {format_shape(mshape)} does '
                f"not broadcast to the inputs of shape {format_shape(shape)} (each mask size "
                "must be 1 or the input's, aligned from the right)"
            )

    def call(self, inputs, mask=None):
        if mask is not None:
            mask = torch.as_tensor(mask, device=inputs.device)
            self._check_mask(inputs, mask)
            if mask.dtype != torch.bool:
                mask = mask > 0.5
            inputs = torch.where(mask, inputs, _masked_fill(inputs.dtype))
        if isinstance(self.axis, (list, tuple)) and len(self.axis) > 1:
            outputs = torch.exp(inputs - torch.logsumexp(inputs, dim=self.axis, keepdim=True))
        else:
            axis = self.axis[0] if isinstance(self.axis, (list, tuple)) else self.axis
            outputs = torch.softmax(inputs, dim=axis)
        if mask is not None:
            outputs = torch.where(mask, outputs, 0.0)
        return outputs

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}
