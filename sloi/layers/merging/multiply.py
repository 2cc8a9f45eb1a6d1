"""``Multiply``: the element-wise product of a list of tensors."""

from sloi.kernels.merging import masked_multiply
from sloi.layers.merging.base_merge import Merge


class Multiply(Merge):
    """Multiplies a list of tensors element-wise.

    With masks, as in Keras: a masked step of an input counts as 1 in the product, and when every
    input has a mask, a step masked in all of them comes out as 0.

    Args:
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).

    Input shape: a list of 1 or more tensors, ``(batch, ...)``, with the same batch size; the
        other axes broadcast, lined up from the right.
    Output shape: the broadcast shape, ``(batch, ...)``.

    Example:
        >>> a, b = Input(shape=(8,)), Input(shape=(8,))
        >>> y = Multiply()([a, b])   # a * b, (None, 8)
    """

    def _merge_function(self, inputs, masks):
        if any(m is not None for m in masks):
            return masked_multiply(inputs, masks)
        out = inputs[0]
        for x in inputs[1:]:
            out = out * x
        return out


def multiply(inputs, **kwargs):
    """Functional form of :class:`Multiply`: ``Multiply(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors.
        **kwargs: standard layer arguments.
    """
    return Multiply(**kwargs)(inputs)
