"""``sloi.models``: ``Model``, ``Sequential``, loading and cloning (as ``keras.models``)."""

from sloi.engine import Functional, Model, Sequential
from sloi.saving import clone_model, load_model, model_from_json, save_model

__all__ = [
    "Functional", "Model", "Sequential", "clone_model", "load_model", "model_from_json",
    "save_model",
]
