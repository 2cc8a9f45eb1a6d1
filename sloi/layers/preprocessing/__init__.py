"""Preprocessing layers: TextVectorization."""

from sloi.layers.preprocessing.text_vectorization import TextVectorization

__all__ = ["TextVectorization"]
