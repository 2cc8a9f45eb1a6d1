"""``Concatenate``: joins a list of tensors along one axis."""

import torch

from sloi.kernels.merging import concatenate_masks
from sloi.layers.merging.base_merge import Merge


class Concatenate(Merge):
    """Concatenates a list of tensors along ``axis``.

    Masks, as in Keras: an input without a mask counts as all kept; each mask is spread over its
    input's features, the masks are concatenated like the inputs, and a step of the output is
    kept when any of its features is. Along the last axis that is the OR of the masks; along the
    time axis, the masks one after the other.

    Args:
        axis: the axis to join along, counting the batch (``-1``, the features, by default).
        **kwargs: standard layer arguments (``name``, ``dtype``, ...).

    Input shape: a list of 1 or more tensors of the same rank whose shapes match except on
        ``axis``.
    Output shape: the common shape, with the sizes on ``axis`` summed (``None`` when one is).

    Example:
        >>> a, b = Input(shape=(10, 8)), Input(shape=(10, 4))
        >>> y = Concatenate()([a, b])          # (None, 10, 12)
        >>> z = Concatenate(axis=1)([a, a])    # (None, 20, 8)
    """

    def __init__(self, axis=-1, **kwargs):
        super().__init__(**kwargs)
        self.axis = int(axis)

    def _check_shapes(self, shapes, sources=None):
        rank = len(shapes[0])
        if not -rank <= self.axis < rank:
            raise self._error(
                f"cannot concatenate on axis {self.axis}: it is out of range for inputs of "
                f"rank {rank}", shapes, sources,
            )
        axis = self.axis % rank
        mismatch = any(len(s) != rank for s in shapes) or any(
            len({s[i] for s in shapes} - {None}) > 1 for i in range(rank) if i != axis
        )
        if mismatch:
            raise self._error(
                "needs inputs whose shapes match except on the concatenation axis "
                f"{self.axis}", shapes, sources,
            )

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in input_shape]
        self._check_shapes(shapes)
        # Keras takes the other sizes from the first input, even where it has None.
        out = list(shapes[0])
        sizes = [s[self.axis] for s in shapes]
        out[self.axis] = None if None in sizes else sum(sizes)
        return tuple(out)

    def call(self, inputs, mask=None):
        return torch.cat(list(inputs), dim=self.axis)

    def compute_mask(self, inputs, previous_mask=None):
        if previous_mask is None:
            return None
        masks = self._mask_list(inputs, previous_mask)
        if all(m is None for m in masks):
            return None
        return concatenate_masks(list(inputs), masks, self.axis)

    def get_config(self):
        return {**super().get_config(), "axis": self.axis}


def concatenate(inputs, axis=-1, **kwargs):
    """Functional form of :class:`Concatenate`: ``Concatenate(axis, **kwargs)(inputs)``.

    Args:
        inputs: a list of tensors.
        axis: the axis to join along.
        **kwargs: standard layer arguments.

    Example:
        >>> merged = concatenate([lstm_out, aux_input])
    """
    return Concatenate(axis=axis, **kwargs)(inputs)
