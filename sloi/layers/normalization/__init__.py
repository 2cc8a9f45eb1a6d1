"""Normalization layers: BatchNormalization, LayerNormalization, GroupNormalization,
RMSNormalization, UnitNormalization, SpectralNormalization."""

from sloi.layers.normalization.batch_normalization import BatchNormalization
from sloi.layers.normalization.group_normalization import GroupNormalization
from sloi.layers.normalization.layer_normalization import LayerNormalization
from sloi.layers.normalization.rms_normalization import RMSNormalization
from sloi.layers.normalization.spectral_normalization import SpectralNormalization
from sloi.layers.normalization.unit_normalization import UnitNormalization

__all__ = ["BatchNormalization", "GroupNormalization", "LayerNormalization", "RMSNormalization",
           "SpectralNormalization", "UnitNormalization"]
