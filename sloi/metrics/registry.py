"""Finding metrics by name: ``get``, ``serialize`` / ``deserialize``, and the rules ``compile``
uses to turn what the user wrote into metric objects (``resolve``, ``resolve_accuracy``).

Names are Keras 3's: every class by its name and its snake-cased name (``"AUC"``, ``"auc"``,
``"BinaryAccuracy"``, ``"binary_accuracy"``), plus ``"mse"``, ``"mae"``, ``"mape"``, ``"msle"``
and ``"bce"`` (and their upper-case forms). ``"accuracy"`` is ``Accuracy`` (exact match) for
``get``; only ``compile`` reads ``"accuracy"`` and ``"acc"`` as "the accuracy that fits the
shapes", through ``resolve``.
"""

import difflib

from sloi.engine.naming import to_snake_case
from sloi.losses import binary_focal_crossentropy, categorical_focal_crossentropy, huber
from sloi.metrics import accuracy_metrics as acc
from sloi.metrics import correlation_metrics as corr
from sloi.metrics import hinge_metrics as hng
from sloi.metrics import iou_metrics as iou
from sloi.metrics import probabilistic_metrics as prob
from sloi.metrics import regression_metrics as reg
from sloi.metrics.auc import AUC
from sloi.metrics.base_metric import Metric
from sloi.metrics.confusion_metrics import (
    FalseNegatives,
    FalsePositives,
    Precision,
    PrecisionAtRecall,
    Recall,
    RecallAtPrecision,
    SensitivityAtSpecificity,
    SpecificityAtSensitivity,
    TrueNegatives,
    TruePositives,
)
from sloi.metrics.f_score_metrics import F1Score, FBetaScore
from sloi.metrics.reduction_metrics import Mean, MeanMetricWrapper, Sum

_CLASSES = [
    Metric, Mean, Sum, MeanMetricWrapper,
    reg.MeanSquaredError, reg.RootMeanSquaredError, reg.MeanAbsoluteError,
    reg.MeanAbsolutePercentageError, reg.MeanSquaredLogarithmicError, reg.CosineSimilarity,
    reg.LogCoshError, reg.R2Score, corr.PearsonCorrelation, corr.ConcordanceCorrelation,
    AUC, FalseNegatives, FalsePositives, Precision, Recall, TrueNegatives, TruePositives,
    PrecisionAtRecall, RecallAtPrecision, SensitivityAtSpecificity, SpecificityAtSensitivity,
    F1Score, FBetaScore,
    iou.IoU, iou.MeanIoU, iou.BinaryIoU, iou.OneHotIoU, iou.OneHotMeanIoU,
    hng.Hinge, hng.SquaredHinge, hng.CategoricalHinge,
    prob.KLDivergence, prob.Poisson, prob.BinaryCrossentropy, prob.CategoricalCrossentropy,
    prob.SparseCategoricalCrossentropy,
    acc.Accuracy, acc.BinaryAccuracy, acc.CategoricalAccuracy, acc.SparseCategoricalAccuracy,
    acc.TopKCategoricalAccuracy, acc.SparseTopKCategoricalAccuracy,
]
_BY_NAME = {cls.__name__: cls for cls in _CLASSES}
_BY_NAME.update({to_snake_case(cls.__name__): cls for cls in _CLASSES})
for _alias, _cls in [("bce", prob.BinaryCrossentropy), ("mse", reg.MeanSquaredError),
                     ("mae", reg.MeanAbsoluteError), ("mape", reg.MeanAbsolutePercentageError),
                     ("msle", reg.MeanSquaredLogarithmicError)]:
    _BY_NAME[_alias] = _BY_NAME[_alias.upper()] = _cls

# The per-sample functions, by name, for configs that name them.
_FUNCTIONS = {fn.__name__: fn for fn in [
    acc.accuracy, acc.binary_accuracy, acc.categorical_accuracy, acc.sparse_categorical_accuracy,
    acc.top_k_categorical_accuracy, acc.sparse_top_k_categorical_accuracy,
    reg.mean_squared_error, reg.mean_absolute_error, reg.mean_absolute_percentage_error,
    reg.mean_squared_logarithmic_error, reg.log_cosh, reg.cosine_similarity,
    prob.binary_crossentropy, prob.categorical_crossentropy,
    prob.sparse_categorical_crossentropy, prob.kl_divergence, prob.poisson,
    hng.hinge, hng.squared_hinge, hng.categorical_hinge,
    corr.pearson_correlation, corr.concordance_correlation,
    # Keras's metric functions that are its loss functions, the very same objects.
    binary_focal_crossentropy, categorical_focal_crossentropy, huber,
]}

_COMPILE_ONLY = ("acc",)  # understood by compile (see `resolve`), not by `get`


def _lookup(name):
    """The metric class called ``name``, or a ValueError that names the closest known ones."""
    if name in _BY_NAME:
        return _BY_NAME[name]
    if name in _COMPILE_ONLY:
        raise ValueError(
            f"Could not interpret metric identifier: {name!r}. Only `compile(metrics=[...])` "
            "reads 'acc' (as the accuracy that fits the labels and outputs; see "
            "`sloi.metrics.resolve`); elsewhere name the metric, e.g. 'binary_accuracy'."
        )
    close = difflib.get_close_matches(name, list(_BY_NAME) + ["acc"], n=3, cutoff=0.6)
    hint = f" Did you mean {', '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(f"Could not interpret metric identifier: {name!r}.{hint}")


def _object_name(obj):
    """Keras's name for a metric-like object: its ``name``, or its snake-cased function or
    class name."""
    if hasattr(obj, "name"):
        return obj.name
    if hasattr(obj, "__name__"):
        return to_snake_case(obj.__name__)
    return to_snake_case(type(obj).__name__)


def get(identifier):
    """A metric object from a name, a config dict, a class, an instance or a function.

    Args:
        identifier: ``None`` (returns None); a Keras metric name (``"auc"``, ``"mse"``,
            ``"BinaryAccuracy"``, ...), a config dict as ``serialize`` makes it, a ``Metric``
            subclass (instantiated with its defaults), a ``Metric`` instance or any object with
            ``update_state`` / ``result`` / ``reset_state`` (returned as is),
            or a function ``f(y_true, y_pred)`` returning per-sample values, which is wrapped in
            a ``MeanMetricWrapper`` named after it (Keras returns the bare function here and
            wraps it in ``compile``; we wrap at once so that ``get`` always gives a metric).

    Raises:
        ValueError: for an unknown name (listing the closest known names) or an object that
            is no metric.
    """
    if identifier is None:
        return None
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, type) and issubclass(identifier, Metric):
        return identifier()
    if isinstance(identifier, Metric) or not isinstance(identifier, type) and all(
            hasattr(identifier, a) for a in ("update_state", "result", "reset_state")):
        return identifier  # a metric object, ours or one that behaves like one
    if callable(identifier):
        return MeanMetricWrapper(identifier, name=_object_name(identifier))
    raise ValueError(f"Could not interpret metric identifier: {identifier!r}")


def _shape(x):
    return tuple(x.shape) if hasattr(x, "shape") else tuple(x)


def resolve_accuracy(y_true, y_pred, name="accuracy"):
    """The accuracy ``compile`` means by ``"accuracy"`` / ``"acc"``: Keras 3's rule, which reads
    only the shapes of the labels and outputs (not the loss).

    - ``BinaryAccuracy`` when the output's last axis is 1;
    - else ``SparseCategoricalAccuracy`` when the labels have fewer axes than the output, or
      their last axis is 1 while the output's is larger;
    - else ``CategoricalAccuracy``.

    Args:
        y_true: The labels of a batch, or their shape.
        y_pred: The output of a batch, or its shape.
        name: The metric's name in the logs: what the user wrote (``"accuracy"`` or ``"acc"``).
    """
    true_shape, pred_shape = _shape(y_true), _shape(y_pred)
    pred_last, true_last = pred_shape[-1], true_shape[-1]
    if pred_last == 1:
        return acc.BinaryAccuracy(name=name)
    if len(true_shape) < len(pred_shape) or (
            true_last == 1 and pred_last is not None and pred_last > 1):
        return acc.SparseCategoricalAccuracy(name=name)
    return acc.CategoricalAccuracy(name=name)


def resolve(identifier, y_true, y_pred):
    """One entry of ``compile(metrics=[...])`` as a metric object, named as Keras logs it
    (Keras 3's ``compile_utils.get_metric``).

    ``"accuracy"`` / ``"acc"`` (any case) go through ``resolve_accuracy``; anything else through
    ``get``. A string keeps the user's spelling as the name (``"mse"`` logs as ``mse``, not
    ``mean_squared_error``); other identifiers keep the metric's own name.

    Args:
        identifier: What the user passed.
        y_true: The labels of the first batch (or their shape).
        y_pred: The output of the first batch (or its shape).
    """
    if identifier is None:
        raise ValueError("Expected metric, received `None`")
    if isinstance(identifier, str) and identifier.lower() in ("accuracy", "acc"):
        return resolve_accuracy(y_true, y_pred, name=identifier)
    metric = get(identifier)
    if isinstance(identifier, str):
        metric.name = identifier
    return metric


def serialize_function(fn) -> dict:
    """A function as a Keras config: ``{"class_name": "function", "config": its name, ...}``."""
    ours = _FUNCTIONS.get(getattr(fn, "__name__", None)) is fn
    return {"module": "keras.metrics" if ours else getattr(fn, "__module__", None),
            "class_name": "function", "config": getattr(fn, "__name__", repr(fn)),
            "registered_name": "function"}


def deserialize_function(spec, custom_objects=None):
    """The function a ``serialize_function`` config (or a bare name) names; user functions
    must be given in ``custom_objects``."""
    if callable(spec):
        return spec
    name = spec["config"] if isinstance(spec, dict) else spec
    custom_objects = custom_objects or {}
    if name in custom_objects:
        return custom_objects[name]
    if name in _FUNCTIONS:
        return _FUNCTIONS[name]
    raise ValueError(f"Unknown metric function {name!r}: pass it in `custom_objects`.")


def serialize(metric):
    """A metric (or metric function) as a Keras 3 config dict:
    ``{"module", "class_name", "config", "registered_name"}``."""
    if metric is None:
        return None
    if not isinstance(metric, Metric):
        return serialize_function(metric)
    cls = type(metric)
    ours = _BY_NAME.get(cls.__name__) is cls
    return {"module": "keras.metrics" if ours else cls.__module__, "class_name": cls.__name__,
            "config": metric.get_config(), "registered_name": None if ours else cls.__name__}


def deserialize(config, custom_objects=None):
    """Inverse of ``serialize``; ``custom_objects`` maps names to user classes or functions."""
    custom_objects = custom_objects or {}
    if isinstance(config, str):
        return get(custom_objects.get(config, config))
    class_name = config.get("class_name")
    if class_name == "function":
        return deserialize_function(config, custom_objects)
    cls = (custom_objects.get(class_name) or custom_objects.get(config.get("registered_name"))
           or _lookup(class_name))
    inner = dict(config.get("config") or {})
    if "fn" in inner and issubclass(cls, MeanMetricWrapper):
        inner["fn"] = deserialize_function(inner["fn"], custom_objects)
    return cls.from_config(inner)
