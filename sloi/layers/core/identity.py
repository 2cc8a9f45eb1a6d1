"""``Identity``: a placeholder layer that returns its input."""

from sloi.engine import Layer


class Identity(Layer):
    """Returns its input unchanged: a placeholder where a model wants a layer and no
    operation (a switchable block, an optional projection).

    Input shape: any (or a list of tensors, returned as a list). Output shape: the input's.
    The mask, if any, passes through.

    Example:
        >>> x = Input(shape=(8,))
        >>> y = Identity()(x)   # (None, 8), no weights
    """

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_masking = True

    def call(self, inputs):
        return inputs

    def compute_output_shape(self, input_shape):
        return input_shape
