"""``ArgumentChecks``: what layers with many shape arguments (convolutions, pooling, ConvLSTM2D)
use to refuse bad ones with an error that names the layer."""

from __future__ import annotations


class ArgumentChecks:
    """Mixed into a ``Layer``: errors start with ``Layer "<name>" (<class>):``."""

    def _error(self, message: str) -> ValueError:
        return ValueError(f'Layer "{self.name}" ({type(self).__name__}): {message}')

    def _checked(self, normalize, *args, **kwargs):
        """Run an argument normaliser, naming this layer in its error."""
        try:
            return normalize(*args, **kwargs)
        except ValueError as e:
            raise self._error(str(e)) from None

    def _positive_int(self, value, name: str) -> int:
        if isinstance(value, bool) or not hasattr(value, "__index__") or int(value) <= 0:
            raise self._error(f"`{name}` must be a positive integer; got {value!r}")
        return int(value)


def refuse_quantization(layer, **arguments) -> None:
    """Keras's LoRA / quantization arguments (``lora_rank``, ``quantization_config``):
    accepted at their default None, which Keras 3 writes into every config; any other value
    raises, naming the layer (sloi does not quantize)."""
    for arg, value in arguments.items():
        if value is not None:
            raise ValueError(
                f'Layer "{layer.name}" ({type(layer).__name__}): {arg}={value!r} asks for LoRA '
                "or quantization, which sloi does not support; leave it None"
            )
