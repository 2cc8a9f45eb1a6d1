"""Pooling layers."""

from sloi.layers.pooling.average_pooling2d import AveragePooling2D
from sloi.layers.pooling.global_average_pooling2d import GlobalAveragePooling2D
from sloi.layers.pooling.global_max_pooling2d import GlobalMaxPooling2D
from sloi.layers.pooling.max_pooling2d import MaxPooling2D

# Keras's short aliases
AvgPool2D = AveragePooling2D
MaxPool2D = MaxPooling2D
GlobalAvgPool2D = GlobalAveragePooling2D
GlobalMaxPool2D = GlobalMaxPooling2D

__all__ = [
    "AveragePooling2D", "AvgPool2D", "GlobalAveragePooling2D", "GlobalAvgPool2D",
    "GlobalMaxPool2D", "GlobalMaxPooling2D", "MaxPool2D", "MaxPooling2D",
]
