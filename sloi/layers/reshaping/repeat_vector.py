"""``RepeatVector``: repeat a vector ``n`` times along a new time axis."""

from sloi.engine import InputSpec, Layer


class RepeatVector(Layer):
    """Repeats each input vector ``n`` times: ``(batch, features)`` becomes
    ``(batch, n, features)`` (an encoder's summary fed to every step of a decoder).

    Args:
        n: the number of repetitions, a positive int.

    Input shape: ``(batch, features)``. Output shape: ``(batch, n, features)``.

    Example:
        >>> x = Input(shape=(32,))
        >>> y = RepeatVector(3)(x)   # (None, 3, 32)
    """

    def __init__(self, n, **kwargs):
        super().__init__(**kwargs)
        if isinstance(n, bool) or not isinstance(n, int):
            raise TypeError(f'Layer "{self.name}" (RepeatVector): n must be an int; got {n!r}')
        if n <= 0:
            raise ValueError(
                f'Layer "{self.name}" (RepeatVector): n must be positive; got n={n}'
            )
        self.n = n
        self.input_spec = InputSpec(ndim=2, layout="(batch, features)")

    def call(self, inputs):
        # A real copy, as Keras makes: an expanded view would alias one row n times and break
        # any in-place update downstream.
        return inputs.unsqueeze(1).repeat(1, self.n, 1)

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, input_shape[1])

    def get_config(self):
        return {**super().get_config(), "n": self.n}
