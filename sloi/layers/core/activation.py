"""``Activation``: apply an activation function to its input."""

from sloi import activations
from sloi.engine import Layer


class Activation(Layer):
    """Applies an activation function, element-wise (or along the last axis for softmax).

    Args:
        activation: a function or the name of one in ``sloi.activations`` (``"relu"``,
            ``"softmax"``, ...).

    Input shape: any. Output shape: the input's. The mask, if any, passes through.

    Example:
        >>> layer = Activation("relu")
        >>> layer(torch.tensor([-3.0, -1.0, 0.0, 2.0]))   # tensor([0., 0., 0., 2.])
    """

    def __init__(self, activation, **kwargs):
        super().__init__(**kwargs)
        self.activation = activations.get(activation)
        self.supports_masking = True

    def call(self, inputs):
        return self.activation(inputs)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {**super().get_config(), "activation": activations.serialize(self.activation)}
