"""Floor 6, ``sloi.models``: ``Model``, ``Sequential``, loading and cloning (as
``keras.models``)."""

from sloi.models.functional import Functional
from sloi.models.model import Model
from sloi.models.sequential import Sequential
from sloi.saving import clone_model, load_model, model_from_json, save_model

__all__ = [
    "Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json",
    "save_model",
]
