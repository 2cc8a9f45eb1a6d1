"""`get`, `serialize` and `deserialize`: optimizers from names, classes, instances and configs."""

import difflib
import inspect

from sloi.optimizers.adadelta import Adadelta
from sloi.optimizers.adafactor import Adafactor
from sloi.optimizers.adagrad import Adagrad
from sloi.optimizers.adam import Adam, AdamW
from sloi.optimizers.adamax import Adamax
from sloi.optimizers.base_optimizer import Optimizer, serialize  # noqa: F401 - public here too
from sloi.optimizers.ftrl import Ftrl
from sloi.optimizers.lamb import Lamb
from sloi.optimizers.lion import Lion
from sloi.optimizers.loss_scale_optimizer import LossScaleOptimizer
from sloi.optimizers.multi_optimizer import MultiOptimizer, OptimizerMap
from sloi.optimizers.muon import Muon
from sloi.optimizers.nadam import Nadam
from sloi.optimizers.rmsprop import RMSprop
from sloi.optimizers.schedule_free_adamw import ScheduleFreeAdamW
from sloi.optimizers.sgd import SGD

# Keras looks names up case-insensitively by class name: "adam", "Adam", "RMSprop", "rmsprop".
_BY_NAME = {
    cls.__name__.lower(): cls
    for cls in (
        Adadelta, Adafactor, Adagrad, Adam, AdamW, Adamax, Ftrl, Lamb, Lion, LossScaleOptimizer,
        MultiOptimizer, Muon, Nadam, OptimizerMap, RMSprop, ScheduleFreeAdamW, SGD,
    )
}


def _lookup(name, custom_objects=None):
    custom_objects = custom_objects or {}
    if name in custom_objects:
        return custom_objects[name]
    cls = _BY_NAME.get(name.lower())
    if cls is not None:
        return cls
    close = difflib.get_close_matches(name.lower(), list(_BY_NAME), n=3, cutoff=0.5)
    hint = f" Did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise ValueError(
        f"Unknown optimizer {name!r}.{hint} Available optimizers: {', '.join(sorted(_BY_NAME))}."
    )


def deserialize(config, custom_objects=None):
    """Inverse of `serialize`; reads Keras's optimizer dicts too (class names in any case).

    Args:
        config: `{"class_name": ..., "config": {...}}`.
        custom_objects: maps class names to user `Optimizer` subclasses.
    """
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Could not interpret optimizer config: {config!r}")
    cls = _lookup(config["class_name"], custom_objects)
    return cls.from_config(dict(config.get("config") or {}), custom_objects=custom_objects)


def get(identifier):
    """Returns an optimizer for `identifier`.

    Args:
        identifier: None (returned as is); a name ("adam", "SGD", "rmsprop", ...; built with
            Keras's defaults); a config dict; an `Optimizer` subclass (built with its
            defaults); or an `Optimizer` instance (returned unchanged).
    """
    if identifier is None or isinstance(identifier, Optimizer):
        return identifier
    if isinstance(identifier, str):
        return _lookup(identifier)()
    if isinstance(identifier, dict):
        return deserialize(identifier)
    if inspect.isclass(identifier) and issubclass(identifier, Optimizer):
        return identifier()
    raise ValueError(f"Could not interpret optimizer identifier: {identifier!r}")
