"""Normalization layers: BatchNormalization, LayerNormalization."""

from sloi.layers.normalization.batch_normalization import BatchNormalization
from sloi.layers.normalization.layer_normalization import LayerNormalization

__all__ = ["BatchNormalization", "LayerNormalization"]
