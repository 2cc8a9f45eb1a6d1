"""``Add``: the element-wise sum of a list of tensors."""

from sloi.layers.merging.base_merge import Merge


class Add(Merge):
    """Adds a list of tensors element-wise.

    Masks do not change the sum; the output keeps a step when any input keeps it (and has no
    mask when some input has none).

    Args:
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).

    Input shape: a list of 1 or more tensors, ``(batch, ...)``, with the same batch size; the
        other axes broadcast, lined up from the right (``(batch, 4)`` with ``(batch, 3, 4)``).
    Output shape: the broadcast shape, ``(batch, ...)``.

    Example:
        >>> a, b = Input(shape=(16,)), Input(shape=(16,))
        >>> y = Add()([a, b])   # (None, 16)
    """

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out


def add(inputs, **kwargs):
    """Functional form of :class:`Add`: ``Add(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors.
        **kwargs: standard layer arguments.
    """
    return Add(**kwargs)(inputs)
