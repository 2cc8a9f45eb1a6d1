"""Weight regularizers: `sloi.regularizers.L2(1e-4)(w)`, `get("l2")`.

The lower-case names (`l1`, `l2`, `l1_l2`) are the classes themselves, as in Keras 3.
"""

from sloi.regularizers.regularizers import (
    L1,
    L1L2,
    L2,
    OrthogonalRegularizer,
    Regularizer,
    deserialize,
    get,
    l1,
    l1_l2,
    l2,
    orthogonal_regularizer,
    serialize,
)

__all__ = [
    "L1", "L1L2", "L2", "OrthogonalRegularizer", "Regularizer", "deserialize", "get", "l1",
    "l1_l2", "l2", "orthogonal_regularizer", "serialize",
]
