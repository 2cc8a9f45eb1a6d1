"""``sloi.models``: ``Model``, ``Sequential`` (as ``keras.models``)."""

from sloi.engine import Functional, Model, Sequential

__all__ = ["Functional", "Model", "Sequential"]
