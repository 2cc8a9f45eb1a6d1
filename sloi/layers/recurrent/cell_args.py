"""A recurrent cell's Keras arguments: resolved by kind when set, serialized back for configs."""

from __future__ import annotations

from sloi import activations, constraints, initializers, regularizers
from sloi.layers.recurrent.dropout_rnn_cell import check_rate


def assign_cell_args(cell, values: dict) -> None:
    """Set each argument on ``cell``, resolved by what its name says it is: ``*activation``,
    ``*initializer``, ``*regularizer``, ``*constraint``, ``*dropout`` (a checked rate)."""
    if int(values["units"]) <= 0:
        raise ValueError(f'Layer "{cell.name}" ({type(cell).__name__}): units must be '
                         f"positive; got {values['units']}")
    for name, value in values.items():
        if name == "units":
            value = int(value)
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
