"""``PReLU``: a leaky ReLU whose negative slopes are learned."""

from sloi import constraints, initializers, regularizers
from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape


class PReLU(Layer):
    """Parametric rectified linear unit (He et al., 2015):
    ``f(x) = x if x >= 0 else alpha * x``, with ``alpha`` a learned array of the input's
    shape (without the batch).

    Args:
        alpha_initializer: ``"zeros"`` by default (the layer starts as a ReLU).
        alpha_regularizer / alpha_constraint: optional.
        shared_axes: axes (counting the batch as 0) along which one slope is shared, e.g.
            ``[1, 2]`` on ``(batch, height, width, channels)`` learns one slope per channel.

    Input shape: any, of known sizes (but the batch). Output shape: the input's.
    Weights: ``alpha``, the input's shape without the batch, 1 on the shared axes.

    Example:
        >>> x = Input(shape=(28, 28, 16))
        >>> y = PReLU(shared_axes=[1, 2])(x)   # 16 parameters
    """

    def __init__(self, alpha_initializer="Zeros", alpha_regularizer=None, alpha_constraint=None,
                 shared_axes=None, **kwargs):
        super().__init__(**kwargs)
        self.alpha_initializer = initializers.get(alpha_initializer)
        self.alpha_regularizer = regularizers.get(alpha_regularizer)
        self.alpha_constraint = constraints.get(alpha_constraint)
        if shared_axes is None:
            self.shared_axes = None
        else:
            axes = list(shared_axes) if isinstance(shared_axes, (list, tuple)) else [shared_axes]
            if not all(isinstance(a, int) and not isinstance(a, bool) and a >= 1 for a in axes):
                raise ValueError(
                    f'Layer "{self.name}" (PReLU): shared_axes must be axes of the input after '
                    f"the batch (ints >= 1); got shared_axes={shared_axes!r}"
                )
            self.shared_axes = axes
        self.supports_masking = True

    def build(self, input_shape):
        rank = len(input_shape)
        shared = self.shared_axes or []
        if any(a >= rank for a in shared):
            raise ValueError(
                f'Layer "{self.name}" (PReLU): shared_axes={self.shared_axes} is out of range '
                f"for inputs of shape {format_shape(tuple(input_shape))}"
            )
        shape = [1 if i in shared else input_shape[i] for i in range(1, rank)]
        if None in shape:
            raise ValueError(
                f'Layer "{self.name}" (PReLU) needs the sizes of the unshared axes to be known; '
                f"got shape {format_shape(tuple(input_shape))} with "
                f"shared_axes={self.shared_axes}"
            )
        self.alpha = self.add_weight("alpha", shape, self.alpha_initializer,
                                     regularizer=self.alpha_regularizer,
                                     constraint=self.alpha_constraint)
        self.input_spec = InputSpec(
            ndim=rank, axes={i: input_shape[i] for i in range(1, rank) if i not in shared})

    def call(self, inputs):
        # relu(x) - alpha * relu(-x), as Keras writes it: the same value and gradient at 0
        return inputs.relu() - self.alpha * (-inputs).relu()

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "alpha_initializer": initializers.serialize(self.alpha_initializer),
            "alpha_regularizer": regularizers.serialize(self.alpha_regularizer),
            "alpha_constraint": constraints.serialize(self.alpha_constraint),
            "shared_axes": self.shared_axes,
        }
