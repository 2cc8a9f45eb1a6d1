"""Reshaping layers."""

from sloi.layers.reshaping.flatten import Flatten
from sloi.layers.reshaping.permute import Permute
from sloi.layers.reshaping.repeat_vector import RepeatVector
from sloi.layers.reshaping.reshape import Reshape
from sloi.layers.reshaping.zero_padding2d import ZeroPadding2D

__all__ = ["Flatten", "Permute", "RepeatVector", "Reshape", "ZeroPadding2D"]
