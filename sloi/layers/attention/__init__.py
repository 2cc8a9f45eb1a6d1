"""Attention layers: Attention (Luong), AdditiveAttention (Bahdanau), MultiHeadAttention."""

from sloi.layers.attention.additive_attention import AdditiveAttention
from sloi.layers.attention.attention import Attention
from sloi.layers.attention.multi_head_attention import MultiHeadAttention

__all__ = ["AdditiveAttention", "Attention", "MultiHeadAttention"]
