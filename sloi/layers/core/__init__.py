"""Core layers: Dense, EinsumDense, Activation, Identity, Lambda, Embedding,
ReversibleEmbedding, Masking, Wrapper, TorchModuleWrapper."""

from sloi.layers.core.activation import Activation
from sloi.layers.core.dense import Dense
from sloi.layers.core.einsum_dense import EinsumDense
from sloi.layers.core.embedding import Embedding
from sloi.layers.core.identity import Identity
from sloi.layers.core.lambda_layer import Lambda
from sloi.layers.core.masking import Masking
from sloi.layers.core.reversible_embedding import ReversibleEmbedding
from sloi.layers.core.torch_module_wrapper import TorchModuleWrapper
from sloi.layers.core.wrapper import Wrapper

__all__ = ["Activation", "Dense", "EinsumDense", "Embedding", "Identity", "Lambda", "Masking",
           "ReversibleEmbedding", "TorchModuleWrapper", "Wrapper"]
