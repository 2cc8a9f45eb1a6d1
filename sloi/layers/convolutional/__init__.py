"""Convolutional layers."""

from sloi.layers.convolutional.conv1d import Conv1D
from sloi.layers.convolutional.conv2d import Conv2D

# Keras's aliases
Convolution1D = Conv1D
Convolution2D = Conv2D

__all__ = ["Conv1D", "Conv2D", "Convolution1D", "Convolution2D"]
