"""``sloi.ops.numpy``: Keras 3's numpy-like ops, by theme. Each file reads on its own;
this module gathers their public names.

- creation (``arange``, ``eye``, ...), manipulation (``reshape``, ``concatenate``, ...),
  indexing (``take``, ``where``, ``sort``, ``unique``, ...) and products (``dot``, ``einsum``,
  ...): one file each.
- Python's operators and comparisons (``add``, ``get_item``, ...): ``sloi.engine.operators``,
  where functional tensors' ``+`` / ``[...]`` find them.
"""

from sloi.engine.operators import (  # noqa: F401
    abs,
    absolute,
    add,
    divide,
    equal,
    floor_divide,
    get_item,
    greater,
    greater_equal,
    less,
    less_equal,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    matmul,
    mod,
    multiply,
    negative,
    not_equal,
    power,
    round,
    subtract,
    true_divide,
)
from sloi.ops.numpy.creation import *  # noqa: F401,F403
from sloi.ops.numpy.elementwise import *  # noqa: F401,F403
from sloi.ops.numpy.indexing import *  # noqa: F401,F403
from sloi.ops.numpy.manipulation import *  # noqa: F401,F403
from sloi.ops.numpy.products import *  # noqa: F401,F403
from sloi.ops.numpy.reductions import *  # noqa: F401,F403
