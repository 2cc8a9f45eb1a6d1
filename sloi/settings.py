"""Global settings, read by every floor: the default float dtype, the fuzz factor, the image
layout, logging, limits on training, where models train.

This module imports nothing from sloi, so the lowest floor can read it. Users set these
through ``sloi.config`` (Keras 3's ``keras.config``) or ``sloi.backend``.
"""

from __future__ import annotations

_FLOAT_TYPES = ("float16", "bfloat16", "float32", "float64")

_state = {
    "floatx": "float32",
    "epsilon": 1e-7,
    "image_data_format": "channels_last",
    "interactive_logging": True,
    "traceback_filtering": True,
    "flash_attention": None,  # None: torch chooses; True: required; False: never
    "max_epochs": None,
    "max_steps_per_epoch": None,
    "device": None,
    "auto_device": True,
    "flush_denormals": True,
    "heap_reuse": True,
}


# ---------------------------------------------------------------------------- numbers
def floatx() -> str:
    """The default float dtype of weights and of Python floats in ops (``"float32"``)."""
    return _state["floatx"]


def set_floatx(value: str) -> None:
    value = str(value)
    if value not in _FLOAT_TYPES:
        raise ValueError(f"Unknown floatx type {value!r}; expected one of {list(_FLOAT_TYPES)}")
    _state["floatx"] = value


def epsilon() -> float:
    """The fuzz factor added to denominators and used to clip probabilities (``1e-7``)."""
    return _state["epsilon"]


def set_epsilon(value: float) -> None:
    value = float(value)
    if not value > 0:
        raise ValueError(f"epsilon must be a positive number; got {value!r}")
    _state["epsilon"] = value


def image_data_format() -> str:
    """The layout image and sequence layers take when ``data_format=None``:
    ``"channels_last"`` (the default) or ``"channels_first"``."""
    return _state["image_data_format"]


def set_image_data_format(data_format: str) -> None:
    value = str(data_format).lower()
    if value not in ("channels_last", "channels_first"):
        raise ValueError('data_format must be "channels_last" or "channels_first"; got '
                         f"{data_format!r}")
    _state["image_data_format"] = value


# ---------------------------------------------------------------------------- logging
def enable_interactive_logging() -> None:
    """Progress bars and summaries print to the terminal (the default)."""
    _state["interactive_logging"] = True


def disable_interactive_logging() -> None:
    """Progress bars and summaries go to Python's ``logging`` (logger ``"sloi"``, level
    INFO) instead of stdout, for programs that run unattended."""
    _state["interactive_logging"] = False


def is_interactive_logging_enabled() -> bool:
    return _state["interactive_logging"]


def enable_traceback_filtering() -> None:
    _state["traceback_filtering"] = True


def disable_traceback_filtering() -> None:
    _state["traceback_filtering"] = False


def is_traceback_filtering_enabled() -> bool:
    """Whether errors raised through sloi, in a Jupyter kernel, show the user's frames and
    sloi's message without sloi's internal frames (on by default, as in Keras). Outside a
    kernel Python prints tracebacks itself and nothing is filtered (``sloi.notebook``)."""
    return _state["traceback_filtering"]


# ---------------------------------------------------------------------------- attention
def enable_flash_attention() -> None:
    """Attention layers must use torch's flash kernel (an error where it cannot run)."""
    _state["flash_attention"] = True


def disable_flash_attention() -> None:
    """Attention layers never use torch's flash kernel."""
    _state["flash_attention"] = False


def set_flash_attention(value) -> None:
    """None (torch chooses, the default), True (flash only) or False (never flash)."""
    if value not in (None, True, False):
        raise ValueError(f"flash attention must be None, True or False; got {value!r}")
    _state["flash_attention"] = value


def is_flash_attention_enabled():
    """True, False, or None when torch chooses its kernel by itself (the default)."""
    return _state["flash_attention"]


# ---------------------------------------------------------------------------- training
def max_epochs():
    """A cap on the epochs of every ``fit`` (None: no cap), for quick runs of long
    programs."""
    return _state["max_epochs"]


def set_max_epochs(max_epochs) -> None:
    _state["max_epochs"] = _positive_or_none(max_epochs, "max_epochs")


def max_steps_per_epoch():
    """A cap on the steps of every epoch of ``fit`` (None: no cap)."""
    return _state["max_steps_per_epoch"]


def set_max_steps_per_epoch(max_steps_per_epoch) -> None:
    _state["max_steps_per_epoch"] = _positive_or_none(max_steps_per_epoch,
                                                      "max_steps_per_epoch")


def _positive_or_none(value, what):
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise ValueError(f"{what} must be a positive integer or None; got {value!r}")
    return value


# ---------------------------------------------------------------------------- the CPU
def enable_flush_denormals() -> None:
    """While sloi trains, evaluates or predicts, the CPU flushes denormal numbers to zero
    (the default), as JAX and TensorFlow do: results below about 1.2e-38 in float32 (2.2e-308
    in float64) become 0, and arithmetic on them stops costing 10-100x a normal operation."""
    _state["flush_denormals"] = True


def disable_flush_denormals() -> None:
    """Keep IEEE denormals during sloi's loops (PyTorch's own default), at their cost."""
    _state["flush_denormals"] = False


def is_flush_denormals_enabled() -> bool:
    return _state["flush_denormals"]


def enable_heap_reuse() -> None:
    """While sloi trains, evaluates or predicts, glibc keeps large freed blocks in the heap
    instead of giving them back to the system (the default), so each step's activations
    reuse memory already mapped instead of faulting in fresh pages. A no-op off glibc."""
    _state["heap_reuse"] = True


def disable_heap_reuse() -> None:
    """Leave glibc's allocator as it is during sloi's loops."""
    _state["heap_reuse"] = False


def is_heap_reuse_enabled() -> bool:
    return _state["heap_reuse"]


# ---------------------------------------------------------------------------- device
def set_device(device) -> None:
    """Train and predict on ``device`` ("cpu", "cuda", "cuda:1", a torch.device); None goes
    back to the default: CUDA when available, else the CPU."""
    _state["device"] = None if device is None else str(device)


def get_device():
    return _state["device"]


def auto_device() -> bool:
    """Whether a model on the CPU moves to CUDA by itself when CUDA is there."""
    return _state["auto_device"]


def set_auto_device(value: bool) -> None:
    _state["auto_device"] = bool(value)
