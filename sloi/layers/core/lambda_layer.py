"""``Lambda``: wrap a Python function of tensors as a layer."""

from __future__ import annotations

import inspect

from sloi.engine import Layer, tree
from sloi.engine.known_functions import KnownFunctions, to_config

_KNOWN = KnownFunctions()  # the plain functions given to Lambda layers in this process


def _accepts(fn, name: str) -> bool:
    try:
        params = inspect.signature(fn).parameters
    except (TypeError, ValueError):  # some built-ins have no signature
        return False
    return name in params


class Lambda(Layer):
    """Wraps an expression of tensors as a layer, for quick use in Sequential and functional
    models: ``Lambda(lambda x: x ** 2)``. Prefer a ``Layer`` subclass for anything to be saved.

    Args:
        function: called as ``function(inputs, **arguments)``; it also gets ``mask=`` and
            ``training=`` when its signature names them.
        output_shape: the output shape without the batch (a tuple, or a list of tuples for
            several outputs), or a function of the full input shape returning the full output
            shape. By default the shape is found by running ``function`` on the meta device
            (no memory, no arithmetic).
        mask: None (no output mask), a function ``mask(inputs, previous_mask)``, or a tensor
            returned as the output mask whatever the input.
        arguments: a dict of keyword arguments for ``function``.

    Saving: ``get_config()`` stores functions by qualified name (``"my_module.square"``), never
    as code. ``from_config`` finds a plain module-level function that was already given to a
    ``Lambda`` in this process (so cloning a model works); any other function, lambdas and
    closures included, must be passed: ``Lambda.from_config(config, custom_objects={"square":
    square})``. Loading never runs code read from a config.

    Input shape: whatever ``function`` takes. Output shape: whatever it returns.

    Example:
        >>> x = Input(shape=(4,))
        >>> y = Lambda(lambda t: t ** 2)(x)   # (None, 4)
    """

    def __init__(self, function, output_shape=None, mask=None, arguments=None, **kwargs):
        super().__init__(**kwargs)
        if not callable(function):
            raise TypeError(
                f'Layer "{self.name}" (Lambda): function must be callable; got {function!r}'
            )
        self.function = function
        self.arguments = dict(arguments or {})
        self.mask = mask
        self.supports_masking = mask is not None
        if isinstance(output_shape, list) and all(
                d is None or isinstance(d, int) for d in output_shape):
            output_shape = tuple(output_shape)  # a JSON round trip turns tuples into lists
        self._output_shape = output_shape
        self._fn_takes_mask = _accepts(function, "mask")
        self._fn_takes_training = _accepts(function, "training")
        for fn in (function, output_shape, mask):
            if callable(fn):
                _KNOWN.remember(fn)

    def call(self, inputs, mask=None, training=None):
        kwargs = dict(self.arguments)
        if self._fn_takes_mask:
            kwargs["mask"] = mask
        if self._fn_takes_training:
            kwargs["training"] = self.training if training is None else training
        return self.function(inputs, **kwargs)

    @property
    def output_shape_rule(self):
        """The ``output_shape`` argument as given: a shape without the batch, a list of them,
        a function of the input shape, or None (shapes found by running the function)."""
        return self._output_shape

    def compute_output_shape(self, input_shape):
        if self._output_shape is None:
            # No declared shape: the engine finds it by running ``call`` on the meta device.
            raise NotImplementedError
        if callable(self._output_shape):
            return self._output_shape(input_shape)
        batch = tree.flatten(input_shape)[0]
        if _is_shape(self._output_shape):
            return (batch,) + tuple(self._output_shape)
        return [(batch,) + tuple(shape) for shape in self._output_shape]

    def compute_mask(self, inputs, previous_mask=None):
        if callable(self.mask):
            return self.mask(inputs, previous_mask)
        return self.mask

    def get_config(self):
        output_shape = self._output_shape
        return {
            **super().get_config(),
            "function": to_config(self.function),
            "output_shape": to_config(output_shape),
            "mask": to_config(self.mask),
            "arguments": dict(self.arguments),
        }

    @classmethod
    def from_config(cls, config: dict, custom_objects: dict | None = None):
        config = dict(config)
        for key in ("function", "output_shape", "mask"):
            value = config.get(key)
            if isinstance(value, str):
                config[key] = _resolve_function(value, key, config.get("name"), custom_objects)
        return cls(**config)


def _is_shape(x) -> bool:
    return isinstance(x, (tuple, list)) and all(d is None or isinstance(d, int) for d in x)


def _resolve_function(qualified: str, key: str, layer_name, custom_objects):
    fn = _KNOWN.find(qualified, custom_objects)
    if fn is not None:
        return fn
    short = qualified.rsplit(".", 1)[-1]
    why = (
        "a lambda or a closure is never stored as code"
        if "<" in qualified else "it is not among the functions given to Lambda layers so far"
    )
    raise ValueError(
        f'Lambda layer "{layer_name}": cannot rebuild its {key} "{qualified}" from the config '
        f"({why}, and loading never runs code from a config). Pass it: "
        f"Lambda.from_config(config, custom_objects={{{short!r}: <the function>}})"
    )
