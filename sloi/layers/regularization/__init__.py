"""Regularization layers: Dropout."""

from sloi.layers.regularization.dropout import Dropout

__all__ = ["Dropout"]
