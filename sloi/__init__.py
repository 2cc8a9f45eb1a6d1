"""sloi (слой, "layer"): Keras's model-building system on PyTorch.

Every layer and model is a ``torch.nn.Module``; every value a ``torch.Tensor``.
"""

from sloi import (
    activations,
    backend,
    callbacks,
    config,
    constraints,
    datasets,
    distribute,
    initializers,
    layers,
    losses,
    metrics,
    mixed_precision,
    models,
    ops,
    optimizers,
    random,
    regularizers,
    saving,
    training,
    tree,
    utils,
)
from sloi.engine import Input, InputLayer, InputSpec, Layer, clear_session
from sloi.engine.operation import Operation
from sloi.engine.scopes import device, name_scope
from sloi.engine.symbolic import SymbolicTensor as KerasTensor
from sloi.engine.variable import Variable
from sloi.initializers import Initializer
from sloi.losses import Loss
from sloi.metrics import Metric
from sloi.mixed_precision import DTypePolicy
from sloi.mixed_precision import DTypePolicy as FloatDTypePolicy
from sloi.models import Functional as Function
from sloi.models import Model, Sequential
from sloi.notebook import install_traceback_filter as _install_traceback_filter
from sloi.optimizers import Optimizer
from sloi.regularizers import Regularizer
from sloi.utils.remat import remat

__version__ = "0.1.0"

# in a Jupyter kernel, errors raised through sloi hide sloi's own frames (sloi.config's
# disable_traceback_filtering shows them); outside a kernel this does nothing
_install_traceback_filter()


def version() -> str:
    """sloi's version (``keras.version()``)."""
    return __version__


__all__ = [
    "DTypePolicy", "FloatDTypePolicy", "Function", "Initializer", "Input", "InputLayer",
    "InputSpec", "KerasTensor", "Layer", "Loss", "Metric", "Model", "Operation", "Optimizer",
    "Regularizer", "Sequential", "Variable", "activations", "backend", "callbacks",
    "clear_session", "config", "constraints", "datasets", "device", "distribute",
    "initializers", "layers", "losses", "metrics", "mixed_precision", "models", "name_scope",
    "ops", "optimizers", "random", "regularizers", "remat", "saving", "training", "tree",
    "utils", "version",
]
