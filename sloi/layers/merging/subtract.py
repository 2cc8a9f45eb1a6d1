"""``Subtract``: ``inputs[0] - inputs[1]``, element-wise."""

from sloi.layers.merging.base_merge import Merge


class Subtract(Merge):
    """Subtracts the second of two tensors from the first, element-wise.

    Args:
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).

    Input shape: a list of exactly 2 tensors, ``(batch, ...)``, with the same batch size; the
        other axes broadcast, lined up from the right.
    Output shape: the broadcast shape, ``(batch, ...)``.

    Example:
        >>> a, b = Input(shape=(8,)), Input(shape=(8,))
        >>> y = Subtract()([a, b])   # a - b, (None, 8)
    """

    _num_inputs = 2

    def _merge_function(self, inputs, masks):
        return inputs[0] - inputs[1]


def subtract(inputs, **kwargs):
    """Functional form of :class:`Subtract`: ``Subtract(**kwargs)(inputs)``.

    Args:
        inputs: a list of exactly 2 tensors.
        **kwargs: standard layer arguments.
    """
    return Subtract(**kwargs)(inputs)
