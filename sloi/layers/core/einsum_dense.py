"""``EinsumDense``: a dense layer whose contraction is any einsum equation."""

from __future__ import annotations

import re
from dataclasses import dataclass

import torch

from sloi import activations, constraints, initializers, regularizers
from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape


@dataclass
class _EinsumShapes:
    """What an equation makes of an input shape: the weights' shapes, the output's, and the
    kernel's input and output axes (for the fans of a variance-scaling initializer)."""

    kernel: tuple
    bias: tuple | None
    output: tuple
    input_axes: list
    output_axes: list


def _split_equation(equation: str):
    """``(input_spec, kernel_spec, output_spec, left_elided)`` of ``"ab,bc->ac"``,
    ``"...b,bc->...c"`` or ``"ab...,bc->ac..."``, or None for other equations."""
    flat = equation.replace("...", "0")
    for pattern, left in (("([a-zA-Z]+),([a-zA-Z]+)->([a-zA-Z]+)", False),
                          ("0([a-zA-Z]+),([a-zA-Z]+)->0([a-zA-Z]+)", True),
                          ("([a-zA-Z]{2,})0,([a-zA-Z]+)->([a-zA-Z]+)0", False)):
        found = re.fullmatch(pattern, flat)
        if found:
            return found.group(1), found.group(2), found.group(3), left
    return None


def _analyze(equation, bias_axes, input_shape, partial_output_shape) -> _EinsumShapes:
    """Keras's reading of an EinsumDense equation (``ValueError`` with a bare message)."""
    parts = _split_equation(equation)
    if parts is None:
        raise ValueError(f"equation {equation!r} must read [X],[Y]->[Z], ...[X],[Y]->...[Z] or "
                         "[X]...,[Y]->[Z]...")
    input_spec, kernel_spec, output_spec, left_elided = parts
    input_shape = tuple(input_shape)
    elided = len(input_shape) - len(input_spec)
    if elided < 0 or (elided > 0 and "..." not in equation):
        raise ValueError(f"equation {equation!r} names {len(input_spec)} input axes; the "
                         f"input has shape {format_shape(input_shape)}")
    output = [input_shape[0], *partial_output_shape]
    if elided > 0 and left_elided:  # the batch, then the other axes "..." stands for
        output[1:1] = input_shape[1:elided]
    elif elided > 0:
        output.extend(input_shape[len(input_shape) - elided:])
    if left_elided:
        input_at = {d: i + elided - len(input_shape) for i, d in enumerate(input_spec)}
        output_at = {d: i + elided for i, d in enumerate(output_spec)}
    else:
        input_at = {d: i for i, d in enumerate(input_spec)}
        output_at = {d: i for i, d in enumerate(output_spec)}
    if len(output) != len(output_spec) + max(elided, 0):
        raise ValueError(f"output_shape {tuple(partial_output_shape)} does not fit the "
                         f"equation's output {output_spec!r} for inputs of shape "
                         f"{format_shape(input_shape)} (output_shape leaves out the batch)")
    for d in input_spec:
        if d in output_at:
            size_in, size_out = input_shape[input_at[d]], output[output_at[d]]
            if size_out is None:
                output[output_at[d]] = size_in
            elif size_in is not None and size_out != size_in:
                raise ValueError(f"axis {d!r} has size {size_in} in the input of shape "
                                 f"{format_shape(input_shape)} but {size_out} in output_shape")
    for d in output_spec:
        if d not in input_spec and d not in kernel_spec:
            raise ValueError(f"output axis {d!r} of {equation!r} is in neither the input nor "
                             "the kernel")
    kernel, input_axes, output_axes = [], [], []
    for i, d in enumerate(kernel_spec):
        if d in output_at:
            kernel.append(output[output_at[d]])
            output_axes.append(i)
        elif d in input_at:
            kernel.append(input_shape[input_at[d]])
            input_axes.append(i)
        else:
            raise ValueError(f"kernel axis {d!r} of {equation!r} is in neither the input nor "
                             "the output")
    if None in kernel:
        raise ValueError(f"the kernel's shape {format_shape(tuple(kernel))} must be known: give "
                         "the sizes of the kernel's output axes in output_shape, and inputs "
                         "with known sizes on the contracted axes (got "
                         f"{format_shape(input_shape)})")
    bias = None
    if bias_axes:
        for d in bias_axes:
            if d not in output_spec:
                raise ValueError(f"bias axis {d!r} is not an output axis of {equation!r}")
        shift = elided if left_elided else 0
        sizes = {d: output[i + shift] for i, d in enumerate(output_spec)}
        first = min(output_spec.find(d) for d in bias_axes)
        # The bias broadcasts from its first axis to the end of the output.
        bias = [sizes[d] if d in bias_axes else 1 for d in output_spec[first:]]
        if not left_elided:
            bias += [1] * max(elided, 0)
        bias = tuple(bias)
    return _EinsumShapes(tuple(kernel), bias, tuple(output), input_axes, output_axes)


class EinsumDense(Layer):
    """A dense layer of any einsum contraction: ``activation(einsum(equation, inputs, kernel)
    + bias)``. ``Dense(64)`` on ``(batch, dim)`` is ``EinsumDense("ab,bc->ac", 64)``; the
    projections of multi-head attention are ``"abc,cde->abde"`` (split into heads) and
    ``"abcd,cde->abe"`` (merge them).

    Args:
        equation: ``"<input>,<kernel>-><output>"``, one letter an axis; ``...`` may stand for
            leading (``"...b,bc->...c"``) or trailing (``"ab...,bc->ac..."``) axes of the input
            carried to the output.
        output_shape: the output's shape without the batch (and without the axes ``...``
            carries); an int for one axis; ``None`` for sizes taken from the input.
        activation: function or name; None is linear.
        bias_axes: letters of the output axes the bias spans (e.g. ``"c"``); None: no bias.
            The bias is shaped from its first axis to the output's last, 1 on the others.
        kernel_initializer / bias_initializer: ``"glorot_uniform"`` / ``"zeros"``; a
            variance-scaling initializer takes its fans from the equation's input and output
            axes, as in Keras.
        kernel_regularizer / bias_regularizer / activity_regularizer, kernel_constraint /
            bias_constraint: optional.
        lora_rank / lora_alpha, quantization_config, gptq_unpacked_column_size: Keras's
            low-rank adaptation and quantization, not in sloi: only their defaults (None) are
            accepted.

    Input shape: as the equation's input. Output shape: ``(batch, *output_shape)`` (with the
    axes ``...`` carries).
    Weights: ``kernel`` (the equation's kernel axes), ``bias`` (with ``bias_axes``).

    Example:
        >>> x = Input(shape=(32, 64))
        >>> y = EinsumDense("abc,cd->abd", output_shape=(None, 16), bias_axes="d")(x)
        >>> # (None, 32, 16)
    """

    def __init__(self, equation, output_shape, activation=None, bias_axes=None,
                 kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, lora_rank=None, lora_alpha=None,
                 gptq_unpacked_column_size=None, quantization_config=None, **kwargs):
        super().__init__(**kwargs)
        if not isinstance(equation, str) or _split_equation(equation) is None:
            raise self._error(f"equation must read [X],[Y]->[Z], ...[X],[Y]->...[Z] or "
                              f"[X]...,[Y]->[Z]...; got equation={equation!r}")
        self.equation = equation
        shape = (output_shape,) if isinstance(output_shape, int) else output_shape
        if not isinstance(shape, (list, tuple)) or not all(
                d is None or (isinstance(d, int) and not isinstance(d, bool) and d > 0)
                for d in shape):
            raise self._error("output_shape must be an int or a tuple of positive ints and "
                              f"None; got output_shape={output_shape!r}")
        self.partial_output_shape = tuple(shape)
        if bias_axes is not None and not isinstance(bias_axes, str):
            raise self._error(f"bias_axes must be a string of output axes or None; got "
                              f"bias_axes={bias_axes!r}")
        self.bias_axes = bias_axes
        for arg, value in (("lora_rank", lora_rank), ("lora_alpha", lora_alpha),
                           ("gptq_unpacked_column_size", gptq_unpacked_column_size),
                           ("quantization_config", quantization_config)):
            if value is not None:
                raise self._error(f"{arg} (LoRA / quantization) is not supported by sloi; got "
                                  f"{arg}={value!r}")
        self.activation = activations.get(activation)
        self.kernel_initializer = initializers.get(kernel_initializer)
        self.bias_initializer = initializers.get(bias_initializer)
        self.kernel_regularizer = regularizers.get(kernel_regularizer)
        self.bias_regularizer = regularizers.get(bias_regularizer)
        self.kernel_constraint = constraints.get(kernel_constraint)
        self.bias_constraint = constraints.get(bias_constraint)
        self.lora_rank = None
        self.lora_alpha = None
        self.quantization_config = None
        self.gptq_unpacked_column_size = None
        self.bias = None

    def _error(self, message: str) -> ValueError:
        return ValueError(f'Layer "{self.name}" (EinsumDense): {message}')

    def _shapes(self, input_shape) -> _EinsumShapes:
        try:
            return _analyze(self.equation, self.bias_axes, input_shape,
                            self.partial_output_shape)
        except ValueError as e:
            raise self._error(str(e)) from None

    def build(self, input_shape):
        shapes = self._shapes(input_shape)
        self.input_spec = InputSpec(ndim=len(input_shape))
        init = self.kernel_initializer
        if isinstance(init, initializers.VarianceScaling) and (
                init.input_axes is None or init.output_axes is None):
            # the fans of a kernel such as (dim, heads, channels) come from the equation
            init = type(init).from_config({**init.get_config(), "input_axes": shapes.input_axes,
                                           "output_axes": shapes.output_axes})
        self.kernel = self.add_weight("kernel", shapes.kernel, init,
                                      regularizer=self.kernel_regularizer,
                                      constraint=self.kernel_constraint)
        if shapes.bias is not None:
            self.bias = self.add_weight("bias", shapes.bias, self.bias_initializer,
                                        regularizer=self.bias_regularizer,
                                        constraint=self.bias_constraint)

    def call(self, inputs):
        x = torch.einsum(self.equation, inputs, self.kernel)
        if self.bias is not None:
            x = x + self.bias
        return self.activation(x) if self.activation is not None else x

    def compute_output_shape(self, input_shape):
        return self._shapes(input_shape).output

    def get_config(self):
        return {
            **super().get_config(),
            "output_shape": self.partial_output_shape,
            "equation": self.equation,
            "activation": activations.serialize(self.activation),
            "bias_axes": self.bias_axes,
            "kernel_initializer": initializers.serialize(self.kernel_initializer),
            "bias_initializer": initializers.serialize(self.bias_initializer),
            "kernel_regularizer": regularizers.serialize(self.kernel_regularizer),
            "bias_regularizer": regularizers.serialize(self.bias_regularizer),
            "activity_regularizer": regularizers.serialize(self.activity_regularizer),
            "kernel_constraint": constraints.serialize(self.kernel_constraint),
            "bias_constraint": constraints.serialize(self.bias_constraint),
            "quantization_config": None,
        }
