"""Core layers: Dense, Activation, Identity, Lambda."""

from sloi.layers.core.dense import Dense

__all__ = ["Dense"]
