"""Global settings: where models train (``set_device``)."""

from __future__ import annotations

_device = None
_auto = True


def set_device(device) -> None:
    """Train and predict on ``device`` ("cpu", "cuda", "cuda:1", a torch.device); None goes
    back to the default: CUDA when available, else the CPU."""
    global _device
    _device = None if device is None else str(device)


def get_device():
    return _device


def auto_device() -> bool:
    """Whether a model on the CPU moves to CUDA by itself when CUDA is there."""
    return _auto


def set_auto_device(value: bool) -> None:
    global _auto
    _auto = bool(value)
