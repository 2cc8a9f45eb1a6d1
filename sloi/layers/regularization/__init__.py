"""Regularization layers: Dropout, SpatialDropout1D."""

from sloi.layers.regularization.dropout import Dropout
from sloi.layers.regularization.spatial_dropout1d import SpatialDropout1D

__all__ = ["Dropout", "SpatialDropout1D"]
