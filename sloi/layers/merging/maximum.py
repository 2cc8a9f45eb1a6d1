"""``Maximum``: the element-wise maximum of a list of tensors."""

import torch

from sloi.kernels.merging import masked_extreme
from sloi.layers.merging.base_merge import Merge


class Maximum(Merge):
    """Takes the element-wise maximum of a list of tensors.

    With masks, as in Keras: a masked element never wins, it takes the value of the other side
    before the comparison.

    Args:
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).

    Input shape: a list of 1 or more tensors, ``(batch, ...)``, with the same batch size; the
        other axes broadcast, lined up from the right.
    Output shape: the broadcast shape, ``(batch, ...)``.

    Example:
        >>> a, b = Input(shape=(8,)), Input(shape=(8,))
        >>> y = Maximum()([a, b])   # the largest of a and b at each position, (None, 8)
    """

    def _merge_function(self, inputs, masks):
        return masked_extreme(torch.maximum, inputs, masks)  # a plain fold when there are no masks


def maximum(inputs, **kwargs):
    """Functional form of :class:`Maximum`: ``Maximum(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors.
        **kwargs: standard layer arguments.
    """
    return Maximum(**kwargs)(inputs)
