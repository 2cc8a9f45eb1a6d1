"""Convolutional layers."""

from sloi.layers.convolutional.conv1d import Conv1D
from sloi.layers.convolutional.conv1d_transpose import Conv1DTranspose
from sloi.layers.convolutional.conv2d import Conv2D
from sloi.layers.convolutional.separable_conv1d import SeparableConv1D

# Keras's aliases
Convolution1D = Conv1D
Convolution1DTranspose = Conv1DTranspose
Convolution2D = Conv2D
SeparableConvolution1D = SeparableConv1D

__all__ = [
    "Conv1D", "Conv1DTranspose", "Conv2D", "Convolution1D", "Convolution1DTranspose",
    "Convolution2D", "SeparableConv1D", "SeparableConvolution1D",
]
