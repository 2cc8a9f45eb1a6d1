"""Regularization layers: Dropout, SpatialDropout1D/2D/3D, GaussianNoise, GaussianDropout,
AlphaDropout, ActivityRegularization."""

from sloi.layers.regularization.activity_regularization import ActivityRegularization
from sloi.layers.regularization.alpha_dropout import AlphaDropout
from sloi.layers.regularization.dropout import Dropout
from sloi.layers.regularization.gaussian_dropout import GaussianDropout
from sloi.layers.regularization.gaussian_noise import GaussianNoise
from sloi.layers.regularization.spatial_dropout1d import SpatialDropout1D
from sloi.layers.regularization.spatial_dropout2d import SpatialDropout2D
from sloi.layers.regularization.spatial_dropout3d import SpatialDropout3D

__all__ = ["ActivityRegularization", "AlphaDropout", "Dropout", "GaussianDropout",
           "GaussianNoise", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]
