"""`get`, `serialize`, `deserialize`, configs, and the is_sparse / is_binary / is_categorical
questions, against keras.losses."""

import inspect

import keras
import pytest
import torch

import sloi.losses
from tests.losses.helpers import assert_close, logits

CLASSES = [
    "BinaryCrossentropy", "BinaryFocalCrossentropy", "CategoricalCrossentropy",
    "CategoricalFocalCrossentropy", "SparseCategoricalCrossentropy", "KLDivergence", "Poisson",
    "MeanSquaredError", "MeanAbsoluteError", "MeanAbsolutePercentageError",
    "MeanSquaredLogarithmicError", "Huber", "LogCosh", "CosineSimilarity", "Hinge",
    "SquaredHinge", "CategoricalHinge", "CTC", "Dice", "Tversky", "Circle",
    "CategoricalGeneralizedCrossEntropy",
]
FUNCTIONS = [
    "binary_crossentropy", "binary_focal_crossentropy", "categorical_crossentropy",
    "categorical_focal_crossentropy", "sparse_categorical_crossentropy", "kl_divergence",
    "poisson", "mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
    "mean_squared_logarithmic_error", "huber", "log_cosh", "cosine_similarity", "hinge",
    "squared_hinge", "categorical_hinge", "ctc", "dice", "tversky", "circle",
    "categorical_generalized_cross_entropy",
]
SHORT = ["bce", "BCE", "mse", "MSE", "mae", "MAE", "mape", "MAPE", "msle", "MSLE", "kld", "KLD"]


# Keras 3.15's `get` leaves the generalized crossentropy out of its name table (its
# `deserialize` still finds it); sloi's table has it, so that configs naming it load.
_NOT_IN_KERAS_GET = {"CategoricalGeneralizedCrossEntropy": "categorical_generalized_cross_entropy"}


def _keras_get(name):
    if name in _NOT_IN_KERAS_GET.values():
        return getattr(keras.losses, name)
    if name in _NOT_IN_KERAS_GET:
        return getattr(keras.losses, name)()
    return keras.losses.get(name)


@pytest.mark.parametrize("name", FUNCTIONS + SHORT)
def test_get_function_names(name):
    ours, theirs = sloi.losses.get(name), _keras_get(name)
    assert inspect.isfunction(ours) and ours.__name__ == theirs.__name__
    assert ours is getattr(sloi.losses, theirs.__name__)


@pytest.mark.parametrize("name", CLASSES)
def test_get_class_names(name):
    ours, theirs = sloi.losses.get(name), _keras_get(name)
    assert type(ours).__name__ == type(theirs).__name__ == name
    assert ours.name == theirs.name  # Keras's fixed default names, e.g. "huber_loss"
    assert ours.reduction == theirs.reduction == "sum_over_batch_size"


def test_get_keras2_aliases():
    assert sloi.losses.get("logcosh") is sloi.losses.log_cosh
    assert sloi.losses.get("kullback_leibler_divergence") is sloi.losses.kl_divergence
    assert sloi.losses.mse is sloi.losses.mean_squared_error


def test_get_other_identifiers():
    assert sloi.losses.get(None) is None
    loss = sloi.losses.Huber(delta=2.0)
    assert sloi.losses.get(loss) is loss
    assert isinstance(sloi.losses.get(sloi.losses.Poisson), sloi.losses.Poisson)

    def my_loss(y_true, y_pred):
        return (y_true - y_pred).abs().mean(dim=-1)

    assert sloi.losses.get(my_loss) is my_loss
    from_dict = sloi.losses.get({"class_name": "Huber", "config": {"delta": 3.0}})
    assert isinstance(from_dict, sloi.losses.Huber) and from_dict.delta == 3.0
    with pytest.raises(ValueError, match="Could not interpret loss identifier"):
        sloi.losses.get(42)


@pytest.mark.parametrize("typo, suggestion", [
    ("mean_squared_eror", "mean_squared_error"),
    ("sparse_categorical_crossentropie", "sparse_categorical_crossentropy"),
    ("BinaryCrossEntropy", "BinaryCrossentropy"),
    ("binary_cross_entropy", "binary_crossentropy"),
])
def test_unknown_name_suggests_closest(typo, suggestion):
    with pytest.raises(ValueError, match=f"Unknown loss '{typo}'.*Did you mean.*'{suggestion}'"):
        sloi.losses.get(typo)


def test_unknown_name_lists_known_names():
    with pytest.raises(ValueError, match="Known losses: .*mse"):
        sloi.losses.get("zzz")


def _configured(module, name):
    # Non-default values for every argument, so that the config has something to carry.
    kwargs = {
        "BinaryCrossentropy": {"from_logits": True, "label_smoothing": 0.1, "axis": 1},
        "BinaryFocalCrossentropy": {"apply_class_balancing": True, "alpha": 0.3, "gamma": 1.0},
        "CategoricalCrossentropy": {"from_logits": True, "label_smoothing": 0.2},
        "CategoricalFocalCrossentropy": {"alpha": 0.5, "gamma": 3.0},
        "SparseCategoricalCrossentropy": {"from_logits": True, "ignore_class": -1},
        "Dice": {"axis": (1, 2)},
        "Tversky": {"alpha": 0.3, "beta": 0.7, "axis": [1]},
        "Circle": {"gamma": 32.0, "margin": 0.25, "remove_diagonal": False},
        "CategoricalGeneralizedCrossEntropy": {"q": 0.7},
    }.get(name, {})
    return getattr(module, name)(reduction="sum", name="my_loss", **kwargs)


# Keras leaves these out of get_config (and so loses them in a round trip); we keep them.
_EXTRA_KEYS = {"Huber": {"delta"}, "CosineSimilarity": {"axis"},
               "SparseCategoricalCrossentropy": {"axis"}}


@pytest.mark.parametrize("name", CLASSES)
def test_config_matches_keras_and_round_trips(name):
    ours, theirs = _configured(sloi.losses, name), _configured(keras.losses, name)
    config = ours.get_config()
    extra = _EXTRA_KEYS.get(name, set())
    assert {k: v for k, v in config.items() if k not in extra} == theirs.get_config()
    clone = type(ours).from_config(config)
    assert clone.get_config() == config
    # Keras itself reads our config back.
    assert type(theirs).from_config(config).get_config() == theirs.get_config()


def test_config_keeps_huber_delta_and_cosine_axis():
    clone = sloi.losses.Huber.from_config(sloi.losses.Huber(delta=0.3).get_config())
    assert clone.delta == 0.3
    y_true, y_pred = torch.tensor(logits((4, 3))), torch.tensor(logits((4, 3), 1))
    assert_close(clone(y_true, y_pred), keras.losses.Huber(delta=0.3)(y_true, y_pred))


@pytest.mark.parametrize("name", CLASSES)
def test_serialize_instance_like_keras(name):
    ours = sloi.losses.serialize(_configured(sloi.losses, name))
    theirs = keras.losses.serialize(_configured(keras.losses, name))
    extra = _EXTRA_KEYS.get(name, set())
    ours["config"] = {k: v for k, v in ours["config"].items() if k not in extra}
    assert ours == theirs
    back = sloi.losses.deserialize(sloi.losses.serialize(_configured(sloi.losses, name)))
    assert type(back).__name__ == name and back.name == "my_loss"


@pytest.mark.parametrize("name", FUNCTIONS)
def test_serialize_function_like_keras(name):
    ours = sloi.losses.serialize(getattr(sloi.losses, name))
    assert ours == keras.losses.serialize(getattr(keras.losses, name))
    assert sloi.losses.deserialize(ours) is getattr(sloi.losses, name)


def test_deserialize_custom_objects():
    def my_loss(y_true, y_pred):
        return (y_true - y_pred).mean(dim=-1)

    config = sloi.losses.serialize(my_loss)
    assert sloi.losses.deserialize(config, custom_objects={"my_loss": my_loss}) is my_loss
    with pytest.raises(ValueError, match="Unknown loss 'my_loss'"):
        sloi.losses.deserialize(config)


@pytest.mark.parametrize("loss, sparse, binary, categorical", [
    ("sparse_categorical_crossentropy", True, False, False),
    ("SparseCategoricalCrossentropy", True, False, False),
    (sloi.losses.SparseCategoricalCrossentropy, True, False, False),
    (sloi.losses.SparseCategoricalCrossentropy(from_logits=True), True, False, False),
    (sloi.losses.sparse_categorical_crossentropy, True, False, False),
    (sloi.losses.LossFunctionWrapper(sloi.losses.sparse_categorical_crossentropy),
     True, False, False),
    ("binary_crossentropy", False, True, False),
    ("bce", False, True, False),
    ("BinaryCrossentropy", False, True, False),
    (sloi.losses.BinaryFocalCrossentropy(), False, True, False),
    (sloi.losses.binary_focal_crossentropy, False, True, False),
    ("categorical_crossentropy", False, False, True),
    (sloi.losses.CategoricalCrossentropy(label_smoothing=0.1), False, False, True),
    (sloi.losses.CategoricalFocalCrossentropy, False, False, True),
    ("mse", False, False, False),
    (sloi.losses.Huber(), False, False, False),
    ("not_a_loss", False, False, False),
    (None, False, False, False),
    (lambda y_true, y_pred: y_pred, False, False, False),
])
def test_is_sparse_binary_categorical(loss, sparse, binary, categorical):
    assert sloi.losses.is_sparse(loss) is sparse
    assert sloi.losses.is_binary(loss) is binary
    assert sloi.losses.is_categorical(loss) is categorical


def test_is_sparse_sees_subclasses():
    class MySparse(sloi.losses.SparseCategoricalCrossentropy):
        pass

    assert sloi.losses.is_sparse(MySparse()) and sloi.losses.is_sparse(MySparse)


@pytest.mark.parametrize("t_shape, p_shape", [
    ((8,), (8, 1)), ((8, 1), (8, 1)), ((8,), (8, 5)), ((8, 1), (8, 5)), ((8, 5), (8, 5)),
    ((4, 6), (4, 6, 5)), ((4, 6, 5), (4, 6, 5)),
])
def test_is_binary_or_sparse_categorical_like_keras(t_shape, p_shape):
    from keras.src.trainers.compile_utils import is_binary_or_sparse_categorical

    y_true, y_pred = torch.zeros(t_shape), torch.zeros(p_shape)
    assert (sloi.losses.is_binary_or_sparse_categorical(y_true, y_pred)
            == is_binary_or_sparse_categorical(y_true, y_pred))
