"""The arguments of ``compile`` as a config (Keras 3's ``get_compile_config``), and back.

Names stay names (``"mse"``, ``"accuracy"``); objects (an optimizer, a ``Loss`` or ``Metric``
instance, a registered function) are serialized; per-output lists and dicts keep their shape.
The optimizer is the model's own, so its learning rate is the current one.
"""

from __future__ import annotations

from sloi.saving import deserialization as de
from sloi.saving import serialization as ser

_KEYS = ("loss", "loss_weights", "metrics", "weighted_metrics", "run_eagerly",
         "steps_per_execution", "jit_compile")


def get_compile_config(model):
    """The serialized ``compile`` arguments of ``model``; None when it is not compiled."""
    args = model.__dict__.get("_compile_args")
    trainer = model.__dict__.get("_sloi_trainer")
    if args is None or trainer is None or not trainer.compiled:
        return None
    config = {"optimizer": ser.serialize_keras_object(trainer.optimizer)}
    for key in _KEYS:
        config[key] = ser.serialize_keras_object(args.get(key))
    return config


def deserialize_compile_config(config: dict, ctx) -> dict:
    """``compile`` keyword arguments from a compile config."""
    if not isinstance(config, dict) or "optimizer" not in config:
        raise ValueError(f"A compile config needs an optimizer; got {config!r}")
    kwargs = {"optimizer": _optimizer(config["optimizer"], ctx)}
    kwargs["loss"] = de.deserialize(config.get("loss"), ctx, "losses")
    kwargs["metrics"] = de.deserialize(config.get("metrics"), ctx, "metrics")
    kwargs["weighted_metrics"] = de.deserialize(config.get("weighted_metrics"), ctx, "metrics")
    for key in ("loss_weights", "run_eagerly", "steps_per_execution", "jit_compile"):
        if key in config:
            kwargs[key] = config[key]
    return kwargs


def _optimizer(spec, ctx):
    if isinstance(spec, str):
        return spec  # "adam": compile resolves names
    return de.deserialize(spec, ctx, "optimizers")


def compile_from_config(model, config: dict, custom_objects=None) -> None:
    """``model.compile(**arguments)`` from ``get_compile_config``'s output."""
    ctx = de.DecodingContext(custom_objects)
    model.compile(**deserialize_compile_config(config, ctx))
