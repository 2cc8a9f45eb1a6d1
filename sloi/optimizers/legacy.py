"""`sloi.optimizers.legacy`: Keras 3's placeholders for the tf.keras (Keras 2) legacy
optimizers. As in Keras 3, making one raises ImportError that points to Keras 2."""


class LegacyOptimizerWarning:
    """Raises ImportError when instantiated: Keras 3 has no legacy optimizers, nor does sloi."""

    def __init__(self, *args, **kwargs):
        raise ImportError(
            "`keras.optimizers.legacy` is not supported in Keras 3, nor in sloi. Use the "
            "optimizers in `sloi.optimizers` (same names and arguments) instead."
        )


Adagrad = Adam = Ftrl = Optimizer = RMSprop = SGD = LegacyOptimizerWarning

__all__ = ["SGD", "Adagrad", "Adam", "Ftrl", "Optimizer", "RMSprop"]
