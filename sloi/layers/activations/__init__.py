"""Activation layers: ReLU, LeakyReLU, PReLU, ELU, Softmax."""

from sloi.layers.activations.elu import ELU
from sloi.layers.activations.leaky_relu import LeakyReLU
from sloi.layers.activations.prelu import PReLU
from sloi.layers.activations.relu import ReLU
from sloi.layers.activations.softmax import Softmax

__all__ = ["ELU", "LeakyReLU", "PReLU", "ReLU", "Softmax"]
