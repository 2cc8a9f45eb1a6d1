"""``sloi.config``: Keras 3's ``keras.config``, plus where models train (``set_device``).

The settings themselves live in ``sloi.settings``; the dtype policy in
``sloi.mixed_precision``; unsafe deserialization in ``sloi.saving``.
"""

from sloi.mixed_precision import global_policy as dtype_policy
from sloi.mixed_precision import set_global_policy as set_dtype_policy
from sloi.saving.serialization import enable_unsafe_deserialization
from sloi.settings import (
    auto_device,
    disable_flash_attention,
    disable_flush_denormals,
    disable_heap_reuse,
    disable_interactive_logging,
    disable_traceback_filtering,
    enable_flash_attention,
    enable_flush_denormals,
    enable_heap_reuse,
    enable_interactive_logging,
    enable_traceback_filtering,
    epsilon,
    floatx,
    get_device,
    image_data_format,
    is_flash_attention_enabled,
    is_flush_denormals_enabled,
    is_heap_reuse_enabled,
    is_interactive_logging_enabled,
    is_traceback_filtering_enabled,
    max_epochs,
    max_steps_per_epoch,
    set_auto_device,
    set_device,
    set_epsilon,
    set_floatx,
    set_image_data_format,
    set_max_epochs,
    set_max_steps_per_epoch,
)


def backend() -> str:
    """The backend sloi computes with: always ``"torch"``."""
    return "torch"


def set_backend(backend) -> None:
    """sloi runs on torch only: ``set_backend("torch")`` is accepted, any other raises."""
    if backend != "torch":
        raise ValueError(f"sloi runs on PyTorch only; set_backend({backend!r}) is not possible")


def is_nnx_enabled() -> bool:
    """Flax NNX is a JAX feature: never enabled in sloi."""
    return False


__all__ = [
    "auto_device", "backend", "disable_flash_attention", "disable_flush_denormals",
    "disable_heap_reuse", "disable_interactive_logging", "enable_flush_denormals",
    "enable_heap_reuse", "is_flush_denormals_enabled", "is_heap_reuse_enabled",
    "disable_traceback_filtering", "dtype_policy", "enable_flash_attention",
    "enable_interactive_logging", "enable_traceback_filtering",
    "enable_unsafe_deserialization", "epsilon", "floatx", "get_device", "image_data_format",
    "is_flash_attention_enabled", "is_interactive_logging_enabled", "is_nnx_enabled",
    "is_traceback_filtering_enabled", "max_epochs", "max_steps_per_epoch", "set_auto_device",
    "set_backend", "set_device", "set_dtype_policy", "set_epsilon", "set_floatx",
    "set_image_data_format", "set_max_epochs", "set_max_steps_per_epoch",
]
