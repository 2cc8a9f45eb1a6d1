"""Finding losses by name: `get`, `serialize`, `deserialize`, and the questions the training
loop asks of a loss (`is_sparse`, `is_binary`, `is_categorical`).
"""

import difflib
import inspect

from sloi.losses.circle import Circle, circle
from sloi.losses.ctc import CTC, ctc
from sloi.losses.loss import BuiltinLoss, Loss, LossFunctionWrapper
from sloi.losses.probabilistic import (
    BinaryCrossentropy,
    BinaryFocalCrossentropy,
    CategoricalCrossentropy,
    CategoricalFocalCrossentropy,
    CategoricalGeneralizedCrossEntropy,
    KLDivergence,
    Poisson,
    SparseCategoricalCrossentropy,
    binary_crossentropy,
    binary_focal_crossentropy,
    categorical_crossentropy,
    categorical_focal_crossentropy,
    categorical_generalized_cross_entropy,
    kl_divergence,
    poisson,
    sparse_categorical_crossentropy,
)
from sloi.losses.regression import (
    CategoricalHinge,
    CosineSimilarity,
    Hinge,
    Huber,
    LogCosh,
    MeanAbsoluteError,
    MeanAbsolutePercentageError,
    MeanSquaredError,
    MeanSquaredLogarithmicError,
    SquaredHinge,
    categorical_hinge,
    cosine_similarity,
    hinge,
    huber,
    log_cosh,
    mean_absolute_error,
    mean_absolute_percentage_error,
    mean_squared_error,
    mean_squared_logarithmic_error,
    squared_hinge,
)
from sloi.losses.segmentation import Dice, Tversky, dice, tversky

_CLASSES = (
    Loss, LossFunctionWrapper, BinaryCrossentropy, BinaryFocalCrossentropy,
    CategoricalCrossentropy, CategoricalFocalCrossentropy, SparseCategoricalCrossentropy,
    KLDivergence, Poisson, MeanSquaredError, MeanAbsoluteError, MeanAbsolutePercentageError,
    MeanSquaredLogarithmicError, Huber, LogCosh, CosineSimilarity, Hinge, SquaredHinge,
    CategoricalHinge, CTC, Dice, Tversky, Circle, CategoricalGeneralizedCrossEntropy,
)
_FUNCTIONS = (
    binary_crossentropy, binary_focal_crossentropy, categorical_crossentropy,
    categorical_focal_crossentropy, sparse_categorical_crossentropy, kl_divergence, poisson,
    mean_squared_error, mean_absolute_error, mean_absolute_percentage_error,
    mean_squared_logarithmic_error, huber, log_cosh, cosine_similarity, hinge, squared_hinge,
    categorical_hinge, ctc, dice, tversky, circle, categorical_generalized_cross_entropy,
)
# Keras 3's short names, plus the Keras 2 spellings its legacy module still knows.
_ALIASES = {
    "bce": binary_crossentropy, "BCE": binary_crossentropy,
    "mse": mean_squared_error, "MSE": mean_squared_error,
    "mae": mean_absolute_error, "MAE": mean_absolute_error,
    "mape": mean_absolute_percentage_error, "MAPE": mean_absolute_percentage_error,
    "msle": mean_squared_logarithmic_error, "MSLE": mean_squared_logarithmic_error,
    "kld": kl_divergence, "KLD": kl_divergence,
    "kullback_leibler_divergence": kl_divergence,
    "logcosh": log_cosh,
}
_BY_NAME = {
    **{cls.__name__: cls for cls in _CLASSES},
    **{fn.__name__: fn for fn in _FUNCTIONS},
    **_ALIASES,
}


# The class computing each function with its defaults, built from the classes themselves.
# The generalized crossentropy's function has no default `q` (Keras's neither): given by
# name it fails as in Keras rather than quietly taking the class's q=0.5.
_CLASS_OF_FUNCTION = {cls().fn: cls for cls in _CLASSES
                      if issubclass(cls, BuiltinLoss) and cls is not BuiltinLoss
                      and cls is not CategoricalGeneralizedCrossEntropy}


def class_of(fn):
    """The built-in `Loss` class whose default instance computes the function `fn` (the same
    numbers, through the class's fused kernel where it has one), or None."""
    return _CLASS_OF_FUNCTION.get(fn) if callable(fn) else None


def _lookup(name):
    found = _BY_NAME.get(name)
    if found is None:
        close = difflib.get_close_matches(name, _BY_NAME, n=3, cutoff=0.6)
        if not close:  # "MeanSquaredErorr" is closer to the lower-case names than it looks
            lowered = {n.lower(): n for n in _BY_NAME}
            close = [lowered[n] for n in difflib.get_close_matches(name.lower(), lowered, n=3)]
        hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
        raise ValueError(
            f"Unknown loss {name!r}.{hint} Known losses: {', '.join(sorted(_BY_NAME))}."
        )
    return found


def get(identifier):
    """Returns the loss for `identifier`, as Keras 3's `keras.losses.get` does.

    Args:
        identifier: None (returned as is); a function name ("mse", "binary_crossentropy",
            ...: the function); a class name ("Huber": an instance with default arguments);
            a dict `{"class_name": ..., "config": ...}` as `serialize` writes it; a Loss
            class (instantiated); a Loss instance or any callable `f(y_true, y_pred)`
            (returned as is).

    Raises:
        ValueError: for an unknown name (naming the closest known ones) or anything else.
    """
    if identifier is None:
        return None
    if isinstance(identifier, str):
        obj = _lookup(identifier)
    elif isinstance(identifier, dict):
        obj = deserialize(identifier)
    else:
        obj = identifier
    if inspect.isclass(obj):
        return obj()
    if callable(obj):
        return obj
    raise ValueError(f"Could not interpret loss identifier: {identifier!r}")


def serialize(loss):
    """Returns a loss's config as Keras 3 writes it: `{"module", "class_name", "config",
    "registered_name"}`, with the config of a Loss instance or the name of a function."""
    if loss is None:
        return None
    if isinstance(loss, Loss):
        builtin = type(loss) in _CLASSES
        return {
            "module": "keras.losses" if builtin else type(loss).__module__,
            "class_name": type(loss).__name__,
            "config": loss.get_config(),
            "registered_name": None if builtin else type(loss).__name__,
        }
    name = getattr(loss, "__name__", None)
    if name is None:
        raise ValueError(f"Cannot serialize loss {loss!r}: not a Loss and has no __name__.")
    return {"module": "builtins", "class_name": "function", "config": name,
            "registered_name": "function"}


def deserialize(config, custom_objects=None):
    """Inverse of `serialize`: a dict (or a bare name) back to a Loss instance or function.

    Args:
        config: `{"class_name": ..., "config": ...}`, a name, or a loss (returned as is).
        custom_objects: optional dict of user classes and functions by name.
    """
    custom_objects = custom_objects or {}
    if callable(config):  # already a loss
        return config
    if isinstance(config, str):
        return custom_objects[config] if config in custom_objects else _lookup(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not deserialize loss {config!r}: expected a name or a dict "
                         "with 'class_name' and 'config'.")
    class_name, inner = config["class_name"], config.get("config")
    if class_name == "function":
        return custom_objects[inner] if inner in custom_objects else _lookup(inner)
    cls = custom_objects.get(class_name) or _lookup(class_name)
    if not inspect.isclass(cls):
        return cls  # a function stored under its own name
    return cls.from_config(inner or {})


def _resolve(loss):
    """The function or class behind a name, an instance, or a wrapper around a function."""
    if isinstance(loss, str):
        loss = _BY_NAME.get(loss)
    if isinstance(loss, LossFunctionWrapper) and not isinstance(loss, BuiltinLoss):
        return loss.fn
    if isinstance(loss, Loss):
        return type(loss)
    return loss


def _is_one_of(loss, targets):
    found = _resolve(loss)
    if inspect.isclass(found):
        return issubclass(found, tuple(t for t in targets if inspect.isclass(t)))
    return any(found is t for t in targets)


def is_sparse(loss):
    """Whether `loss` (name, class, instance or function) is a sparse categorical
    crossentropy: integer labels, so "accuracy" means sparse categorical accuracy."""
    return _is_one_of(loss, (SparseCategoricalCrossentropy, sparse_categorical_crossentropy))


def is_binary(loss):
    """Whether `loss` is a binary crossentropy (plain or focal): "accuracy" means binary."""
    return _is_one_of(loss, (BinaryCrossentropy, BinaryFocalCrossentropy, binary_crossentropy,
                             binary_focal_crossentropy))


def is_categorical(loss):
    """Whether `loss` is a categorical crossentropy (plain or focal) on one-hot labels."""
    return _is_one_of(loss, (CategoricalCrossentropy, CategoricalFocalCrossentropy,
                             categorical_crossentropy, categorical_focal_crossentropy))


def has_own_target_shape(loss):
    """Whether `loss` takes targets that are not shaped like the output: integer labels, as
    CTC's padded label sequences, Circle's class ids and the generalized crossentropy's class
    indices. The loss checks their shapes itself; `fit` must not ask for the output's."""
    return _is_one_of(loss, (CTC, Circle, CategoricalGeneralizedCrossEntropy, ctc, circle,
                             categorical_generalized_cross_entropy))


def is_binary_or_sparse_categorical(y_true, y_pred):
    """Keras 3's own rule for what "accuracy" (and "crossentropy") means, from the shapes of a
    batch of labels and predictions rather than from the loss.

    Returns:
        `(is_binary, is_sparse_categorical)`: binary when predictions end in 1; sparse when
        the labels have a lower rank, or end in 1 while predictions end in more.
    """
    t_rank, p_rank = len(y_true.shape), len(y_pred.shape)
    t_last, p_last = y_true.shape[-1], y_pred.shape[-1]
    is_binary_ = p_last == 1
    is_sparse_categorical = t_rank < p_rank or (t_last == 1 and p_last > 1)
    return is_binary_, is_sparse_categorical
