"""``sloi.ops``: Keras 3's ``keras.ops`` on torch tensors.

Every op runs eagerly on tensors, numpy arrays and Python numbers and returns a
``torch.Tensor``; given functional-API tensors (``Input(...)`` and what layers return) it adds
an op node to the graph instead, its output shape and dtype inferred without computing. The ops
live by Keras's grouping: ``numpy`` (by theme, in ``sloi/ops/numpy/``), ``nn``, ``math``,
``linalg``, ``core`` and ``image``; all are also here at the top, as in Keras.
"""

from sloi.ops import core, einops, image, linalg, math, nn, numpy  # noqa: F401
from sloi.ops.core import *  # noqa: F401,F403
from sloi.ops.einops import *  # noqa: F401,F403
from sloi.ops.linalg import *  # noqa: F401,F403
from sloi.ops.math import *  # noqa: F401,F403
from sloi.ops.nn import *  # noqa: F401,F403
from sloi.ops.numpy import *  # noqa: F401,F403
