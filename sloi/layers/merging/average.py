"""``Average``: the element-wise mean of a list of tensors."""

from sloi.layers.merging.base_merge import Merge


class Average(Merge):
    """Averages a list of tensors element-wise.

    Args:
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).

    Input shape: a list of 1 or more tensors, ``(batch, ...)``, with the same batch size; the
        other axes broadcast, lined up from the right.
    Output shape: the broadcast shape, ``(batch, ...)``.

    Example:
        >>> a, b = Input(shape=(8,)), Input(shape=(8,))
        >>> y = Average()([a, b])   # (a + b) / 2, (None, 8)
    """

    def _merge_function(self, inputs, masks):
        out = inputs[0]
        for x in inputs[1:]:
            out = out + x
        return out / len(inputs)


def average(inputs, **kwargs):
    """Functional form of :class:`Average`: ``Average(**kwargs)(inputs)``.

    Args:
        inputs: a list of tensors.
        **kwargs: standard layer arguments.
    """
    return Average(**kwargs)(inputs)
