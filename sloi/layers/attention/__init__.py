"""Attention layers: Attention (Luong), AdditiveAttention (Bahdanau), MultiHeadAttention,
GroupedQueryAttention (also exported as GroupQueryAttention, as Keras does)."""

from sloi.layers.attention.additive_attention import AdditiveAttention
from sloi.layers.attention.attention import Attention
from sloi.layers.attention.grouped_query_attention import GroupedQueryAttention
from sloi.layers.attention.multi_head_attention import MultiHeadAttention

GroupQueryAttention = GroupedQueryAttention

__all__ = ["AdditiveAttention", "Attention", "GroupQueryAttention", "GroupedQueryAttention",
           "MultiHeadAttention"]
