"""``Dot``: the per-sample dot product of two tensors over one axis of each."""

from sloi.kernels.merging import batch_dot, l2_normalize
from sloi.layers.merging.base_merge import Merge


class Dot(Merge):
    """Dot product of two tensors, sample by sample, over one axis of each.

    With inputs ``(batch, 3, 5)`` and ``(batch, 10, 3)`` and ``axes=(1, 2)``, the sizes 3 are
    multiplied and summed, leaving ``(batch, 5, 10)``: the first input's other axes, then the
    second's. Two vectors ``(batch, n)`` give ``(batch, 1)``.

    Args:
        axes: an int (the same axis of both inputs; a negative one counts from each input's end)
            or a pair ``(axis_of_first, axis_of_second)``. The batch axis 0 cannot be used.
        normalize: whether to L2-normalize both inputs along their dot axes first, which makes
            the output the cosine similarity.
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).

    Input shape: a list of exactly 2 tensors of rank 2 or more, with the same batch size and the
        same size on their dot axes.
    Output shape: ``(batch, *rest_of_first, *rest_of_second)``, or ``(batch, 1)`` when nothing
        is left.

    The output has no mask.

    Example:
        >>> a, b = Input(shape=(16,)), Input(shape=(16,))
        >>> cosine = Dot(axes=1, normalize=True)([a, b])   # (None, 1)
    """

    _num_inputs = 2

    def __init__(self, axes, normalize=False, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(axes, int):
            if not isinstance(axes, (list, tuple)):
                raise TypeError(
                    f'Layer "{self.name}" (Dot): axes must be an int or a pair of ints; got '
                    f"{axes!r}"
                )
            if len(axes) != 2 or not all(isinstance(a, int) for a in axes):
                raise ValueError(
                    f'Layer "{self.name}" (Dot): axes must be an int or a pair of ints, one '
                    f"axis of each input; got {axes!r}"
                )
        if 0 in ((axes,) if isinstance(axes, int) else tuple(axes)):
            raise ValueError(
                f'Layer "{self.name}" (Dot): axes={axes!r} includes the batch axis 0; a dot '
                "product is taken within each sample"
            )
        self.axes = axes
        self.normalize = bool(normalize)

    def _resolved_axes(self, rank1: int, rank2: int):
        """The two dot axes as positive indices (possibly out of range, checked by the caller)."""
        a1, a2 = (self.axes, self.axes) if isinstance(self.axes, int) else self.axes
        return (a1 % rank1 if a1 < 0 else a1), (a2 % rank2 if a2 < 0 else a2)

    def _check_shapes(self, shapes, sources=None):
        shape1, shape2 = shapes
        if len(shape1) < 2 or len(shape2) < 2:
            raise self._error("needs inputs of rank 2 or more, (batch, ...)", shapes, sources)
        a1, a2 = self._resolved_axes(len(shape1), len(shape2))
        if a1 >= len(shape1) or a2 >= len(shape2):
            raise self._error(
                f"cannot take the dot product over axes {self.axes!r}: out of range for inputs "
                f"of rank {len(shape1)} and {len(shape2)}", shapes, sources,
            )
        if a1 == 0 or a2 == 0:
            raise self._error(
                f"cannot take the dot product over the batch axis (axes={self.axes!r} is axis "
                f"{a1} of the first input and {a2} of the second)", shapes, sources,
            )
        if shape1[0] is not None and shape2[0] is not None and shape1[0] != shape2[0]:
            raise self._error("needs inputs with the same batch size", shapes, sources)
        d1, d2 = shape1[a1], shape2[a2]
        if d1 is not None and d2 is not None and d1 != d2:
            raise self._error(
                f"needs inputs of the same size on their dot axes (axis {a1} of the first has "
                f"size {d1}, axis {a2} of the second has size {d2})", shapes, sources,
            )

    def compute_output_shape(self, input_shape):
        shape1, shape2 = (tuple(s) for s in input_shape)
        self._check_shapes([shape1, shape2])
        a1, a2 = self._resolved_axes(len(shape1), len(shape2))
        rest1 = shape1[:a1] + shape1[a1 + 1:]
        rest2 = shape2[1:a2] + shape2[a2 + 1:]
        out = rest1 + rest2
        return out + (1,) if len(out) == 1 else out

    def call(self, inputs, mask=None):
        x, y = inputs
        a1, a2 = self._resolved_axes(x.ndim, y.ndim)
        if self.normalize:
            x, y = l2_normalize(x, a1), l2_normalize(y, a2)
        return batch_dot(x, y, a1, a2)

    def compute_mask(self, inputs, previous_mask=None):
        return None

    def get_config(self):
        return {**super().get_config(), "axes": self.axes, "normalize": self.normalize}


def dot(inputs, axes=-1, normalize=False, **kwargs):
    """Functional form of :class:`Dot`: ``Dot(axes, normalize, **kwargs)(inputs)``.

    Args:
        inputs: a list of exactly 2 tensors.
        axes: an int or a pair of ints (``-1``, the last axis of both, by default, as in Keras).
        normalize: whether to L2-normalize first (cosine similarity).
        **kwargs: standard layer arguments.
    """
    return Dot(axes=axes, normalize=normalize, **kwargs)(inputs)
