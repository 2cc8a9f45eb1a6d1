"""Core layers: Dense, Activation, Identity, Lambda, Embedding, Masking, Wrapper."""

from sloi.layers.core.activation import Activation
from sloi.layers.core.dense import Dense
from sloi.layers.core.embedding import Embedding
from sloi.layers.core.identity import Identity
from sloi.layers.core.lambda_layer import Lambda
from sloi.layers.core.masking import Masking
from sloi.layers.core.wrapper import Wrapper

__all__ = ["Activation", "Dense", "Embedding", "Identity", "Lambda", "Masking", "Wrapper"]
