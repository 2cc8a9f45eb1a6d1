"""Losses, as in Keras 3: `sloi.losses.BinaryCrossentropy(from_logits=True)(y, logits)`,
the function forms (`mean_squared_error(y_true, y_pred)`, per-sample losses), and `get("mse")`.
"""

from sloi.losses.circle import Circle, circle
from sloi.losses.ctc import CTC, ctc
from sloi.losses.loss import Loss, LossFunctionWrapper, reduce_weighted_values
from sloi.losses.losses import (
    class_of,
    deserialize,
    get,
    has_own_target_shape,
    is_binary,
    is_binary_or_sparse_categorical,
    is_categorical,
    is_sparse,
    serialize,
)
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

# Keras's short aliases, as attributes (`sloi.losses.mse`), like keras.losses' legacy names.
mse = MSE = mean_squared_error
mae = MAE = mean_absolute_error
mape = MAPE = mean_absolute_percentage_error
msle = MSLE = mean_squared_logarithmic_error
kld = KLD = kullback_leibler_divergence = kl_divergence
logcosh = log_cosh

__all__ = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CTC", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "CategoricalGeneralizedCrossEntropy", "CategoricalHinge",
    "Circle", "CosineSimilarity", "Dice", "Hinge", "Huber", "KLDivergence", "LogCosh", "Loss",
    "LossFunctionWrapper", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredError", "MeanSquaredLogarithmicError", "Poisson",
    "SparseCategoricalCrossentropy", "SquaredHinge", "Tversky", "binary_crossentropy",
    "binary_focal_crossentropy", "categorical_crossentropy", "categorical_focal_crossentropy",
    "categorical_generalized_cross_entropy", "categorical_hinge", "circle", "class_of",
    "cosine_similarity", "ctc", "deserialize", "dice", "get", "has_own_target_shape", "hinge",
    "huber", "is_binary", "is_binary_or_sparse_categorical", "is_categorical", "is_sparse",
    "kl_divergence", "log_cosh", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_error", "mean_squared_logarithmic_error", "poisson",
    "reduce_weighted_values", "serialize", "sparse_categorical_crossentropy", "squared_hinge",
    "tversky", "MAE", "MAPE", "MSE", "MSLE", "KLD", "kld", "kullback_leibler_divergence",
    "logcosh", "mae", "mape", "mse", "msle",
]
