"""A recurrent cell's Keras arguments: resolved by kind when set, serialized back for configs."""

from __future__ import annotations

from sloi import activations, constraints, initializers, regularizers
from sloi.engine.arguments import check_flags, positive_int
from sloi.layers.recurrent.dropout_rnn_cell import check_rate

_FLAGS = ("use_bias", "unit_forget_bias", "reset_after")


def assign_cell_args(cell, values: dict) -> None:
    """Set each argument on ``cell``, resolved by what its name says it is: ``*activation``,
    ``*initializer``, ``*regularizer``, ``*constraint``, ``*dropout`` (a checked rate)."""
    check_flags(cell, **{n: v for n, v in values.items() if n in _FLAGS})
    for name, value in values.items():
        if name == "units":
            value = positive_int(cell, "units", value)
        elif name.endswith("activation"):
            value = activations.get(value)
        elif name.endswith("initializer"):
            value = initializers.get(value)
        elif name.endswith("regularizer"):
            value = regularizers.get(value)
        elif name.endswith("constraint"):
            value = constraints.get(value)
        elif name.endswith("dropout"):
            value = check_rate(cell, name, value)
        setattr(cell, name, value)


def serialize_cell_args(cell, names) -> dict:
    """The config entries of a cell's arguments, objects serialized as Keras does."""
    config = {}
    for name in names:
        value = getattr(cell, name)
        if name.endswith("activation"):
            value = activations.serialize(value)
        elif name.endswith("initializer"):
            value = initializers.serialize(value)
        elif name.endswith("regularizer"):
            value = regularizers.serialize(value)
        elif name.endswith("constraint"):
            value = constraints.serialize(value)
        config[name] = value
    return config
