"""Weight constraints: `sloi.constraints.MaxNorm(3)(w)`, `get("non_neg")`.

The lower-case names (`max_norm`, ...) are the classes themselves, as in Keras 3.
"""

from sloi.constraints.constraints import (
    Constraint,
    MaxNorm,
    MinMaxNorm,
    NonNeg,
    UnitNorm,
    deserialize,
    get,
    max_norm,
    min_max_norm,
    non_neg,
    serialize,
    unit_norm,
)

__all__ = [
    "Constraint", "MaxNorm", "MinMaxNorm", "NonNeg", "UnitNorm", "deserialize", "get",
    "max_norm", "min_max_norm", "non_neg", "serialize", "unit_norm",
]
