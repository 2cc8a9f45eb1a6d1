"""sloi's own classes and functions by family (layers, initializers, losses, ...): how configs
name them (``"module": "keras.layers"``) and how a name is found again."""

from __future__ import annotations

import inspect

import sloi.layers as layers_mod
from sloi import activations, constraints, initializers, losses, metrics, optimizers, regularizers
from sloi.engine import Layer, config_decoder
from sloi.optimizers import schedules

# (family, module written in configs, package, base class). Models are layers too; they are
# written with module "keras" as Keras does.
FAMILIES = [
    ("layers", "keras.layers", layers_mod, Layer),
    ("initializers", "keras.initializers", initializers, initializers.Initializer),
    ("regularizers", "keras.regularizers", regularizers, regularizers.Regularizer),
    ("constraints", "keras.constraints", constraints, constraints.Constraint),
    ("losses", "keras.losses", losses, losses.Loss),
    ("metrics", "keras.metrics", metrics, metrics.Metric),
    ("optimizers", "keras.optimizers", optimizers, optimizers.Optimizer),
    ("schedules", "keras.optimizers.schedules", schedules, schedules.LearningRateSchedule),
]
# The config names of models. Their classes (the public ones of sloi/models) are found in the
# engine's class catalogue, so this floor never imports the floor above.
MODELS = ("Functional", "Sequential", "Model")
FUNCTION_FAMILIES = ("activations", "losses", "metrics")


def family_of_module(module) -> str | None:
    """``"keras.layers"`` -> ``"layers"``; ``"keras"`` / ``"sloi.models"`` -> ``"layers"``."""
    if not isinstance(module, str):
        return None
    parts = module.split(".")
    if "schedules" in parts:
        return "schedules"
    for family in ("layers", "initializers", "regularizers", "constraints", "losses", "metrics",
                   "optimizers", "activations"):
        if family in parts:
            return family
    if "models" in parts or module in ("keras", "sloi"):
        return "layers"
    return None


def builtin_class(family: str, name: str):
    if family == "layers" and name in MODELS:
        return config_decoder.find_layer_class(name)
    for fam, _, package, base in FAMILIES:
        if fam == family:
            found = getattr(package, name, None)
            if inspect.isclass(found) and issubclass(found, base):
                return found
    return None


def builtin_names(family: str) -> list[str]:
    for fam, _, package, base in FAMILIES:
        if fam == family:
            names = [n for n in dir(package) if not n.startswith("_")
                     and inspect.isclass(getattr(package, n))
                     and issubclass(getattr(package, n), base)]
            return sorted(set(names) | (set(MODELS) if family == "layers" else set()))
    return []


def is_builtin_class(cls) -> bool:
    if is_graph_model_class(cls):
        return True
    return any(getattr(package, cls.__name__, None) is cls for _, _, package, _ in FAMILIES)



def is_graph_model_class(cls) -> bool:
    """``cls`` is the public ``Functional`` or ``Sequential`` (written with module "keras")."""
    return cls is not None and cls in (config_decoder.find_layer_class("Functional"),
                                       config_decoder.find_layer_class("Sequential"))


def builtin_function(family: str, name: str):
    """A built-in activation / loss / metric function called ``name``, or None."""
    try:
        if family == "activations":
            return activations.get(name)
        if family == "losses":
            found = losses.deserialize(name)
            return found if inspect.isfunction(found) else None
        if family == "metrics":
            return metrics.deserialize({"class_name": "function", "config": name})
    except (ValueError, KeyError):
        return None
    return None
