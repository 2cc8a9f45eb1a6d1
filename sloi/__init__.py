"""sloi (слой, "layer"): Keras's model-building system on PyTorch.

Every layer and model is a ``torch.nn.Module``; every value a ``torch.Tensor``.
"""

from sloi import (
    activations,
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
    regularizers,
    saving,
    training,
    utils,
)
from sloi.engine import Input, InputLayer, Layer, Model, Sequential, clear_session

__version__ = "0.1.0"

__all__ = [
    "Input", "InputLayer", "Layer", "Model", "Sequential", "activations", "callbacks",
    "clear_session", "config", "constraints", "datasets", "distribute", "initializers",
    "layers", "losses", "metrics", "mixed_precision", "models", "ops", "optimizers", "regularizers",
    "saving", "training", "utils",
]
