"""``Permute``: reorder the non-batch axes."""

from sloi.engine import InputSpec, Layer


class Permute(Layer):
    """Permutes the axes of the input, the batch axis excepted.

    Args:
        dims: the new order of the non-batch axes, numbered from 1: ``(2, 1)`` swaps the two
            axes of ``(batch, steps, features)``.

    Input shape: rank ``len(dims) + 1``. Output shape: the input's, axes reordered.
    The output is a view of the input (no copy), as ``torch.permute`` gives.

    Example:
        >>> x = Input(shape=(10, 64))
        >>> y = Permute((2, 1))(x)   # (None, 64, 10)
    """

    def __init__(self, dims, **kwargs):
        super().__init__(**kwargs)
        dims = tuple(dims)
        if sorted(dims) != list(range(1, len(dims) + 1)):
            raise ValueError(
                f'Layer "{self.name}" (Permute): dims must be a permutation of 1..{len(dims)} '
                f"(axes numbered from 1, the batch excluded); got dims={dims}"
            )
        self.dims = dims
        self.input_spec = InputSpec(ndim=len(dims) + 1)

    def call(self, inputs):
        return inputs.permute(0, *self.dims)

    def compute_output_shape(self, input_shape):
        return (input_shape[0],) + tuple(input_shape[d] for d in self.dims)

    def get_config(self):
        return {**super().get_config(), "dims": self.dims}
