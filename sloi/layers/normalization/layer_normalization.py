"""``LayerNormalization``: normalize each example over its feature axes."""

from __future__ import annotations

import warnings

import torch

from sloi import constraints, initializers, regularizers
from sloi.engine import Layer
from sloi.engine.arguments import check_flags
from sloi.engine.symbolic import format_shape
from sloi.kernels import normalization as norm_ops


class LayerNormalization(Layer):
    """Layer normalization (Ba et al., 2016): ``(x - mean) / sqrt(var + epsilon) * gamma + beta``
    with the mean and (biased) variance of each example over ``axis``. Same in training and
    inference.

    Args:
        axis: an int or a list of ints, the axes to normalize over (``-1``: the features).
        epsilon: added to the variance before the square root.
        center / scale: whether to learn the offset ``beta`` / the factor ``gamma``.
        beta_initializer / gamma_initializer: ``"zeros"`` / ``"ones"`` by default.
        beta_regularizer / gamma_regularizer, beta_constraint / gamma_constraint: optional.
        rms_scaling: deprecated in Keras and kept for its models: ``x / sqrt(var + epsilon) *
            gamma`` (no mean subtracted, no ``beta``).

    Input shape: any. Output shape: the input's.
    Weights: ``gamma``, ``beta``, each of the sizes of ``axis`` (sorted as Keras sorts them).

    Example:
        >>> x = Input(shape=(10, 64))
        >>> y = LayerNormalization()(x)   # (None, 10, 64), 128 parameters
    """

    def __init__(self, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None,
                 rms_scaling=False, **kwargs):
        super().__init__(**kwargs)
        if rms_scaling:
            warnings.warn(
                "You passed `rms_scaling=True`, which Keras deprecates: it scales the input by "
                "the variance, not the root mean square. It is kept to run Keras models that "
                "use it.", stacklevel=2)
        if isinstance(axis, (list, tuple)):
            self.axis = list(axis)
        elif isinstance(axis, int) and not isinstance(axis, bool):
            self.axis = axis
        else:
            raise TypeError(
                f'Layer "{self.name}" (LayerNormalization): axis must be an int or a list of '
                f"ints; got {axis!r}"
            )
        self.epsilon = epsilon
        check_flags(self, center=center, scale=scale, rms_scaling=rms_scaling)
        self.center = center
        self.scale = scale
        self.rms_scaling = rms_scaling
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def _positive_axes(self, input_shape) -> list[int]:
        rank = len(input_shape)
        axes = self.axis if isinstance(self.axis, list) else [self.axis]
        bad = [a for a in axes if not -rank <= a < rank]
        if bad or len({a % rank for a in axes}) != len(axes):
            raise ValueError(
                f'Layer "{self.name}" (LayerNormalization): axis {self.axis} is out of range '
                f"or repeated for inputs of shape {format_shape(tuple(input_shape))}"
            )
        return [a % rank for a in axes]

    def build(self, input_shape):
        positive = self._positive_axes(input_shape)
        # Keras sorts the axes as given (negative ones first) and sizes gamma in that order.
        self.axis = sorted(self.axis) if isinstance(self.axis, list) else [self.axis]
        self._axes = sorted(positive)
        shape = tuple(input_shape[a] for a in self.axis)
        if None in shape:
            raise ValueError(
                f'Layer "{self.name}" (LayerNormalization) needs the sizes of axis {self.axis} '
                f"to be known; got shape {format_shape(tuple(input_shape))}"
            )
        # Order of gamma's axes once the normalized axes are sorted as non-negative numbers
        # (only differs from Keras's order when negative and positive axes are mixed).
        rank = len(input_shape)
        keras_order = [a % rank for a in self.axis]
        self._weight_perm = [keras_order.index(a) for a in self._axes]
        if self.scale or self.rms_scaling:
            self.gamma = self.add_weight("gamma", shape, self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center and not self.rms_scaling:
            self.beta = self.add_weight("beta", shape, self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def _ordered(self, weight, dtype):
        if weight is None:
            return None
        if self._weight_perm != sorted(self._weight_perm):
            weight = weight.permute(self._weight_perm)
        return weight.to(dtype)

    def call(self, inputs):
        # Half-precision data is normalized in float32, as Keras does.
        x = inputs.float() if inputs.dtype in (torch.float16, torch.bfloat16) else inputs
        gamma, beta = self._ordered(self.gamma, x.dtype), self._ordered(self.beta, x.dtype)
        if self.rms_scaling:
            outputs = norm_ops.variance_scaling_norm(x, self._axes, gamma, self.epsilon)
        else:
            outputs = norm_ops.layer_norm(x, self._axes, gamma, beta, self.epsilon)
        return outputs.to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        self._positive_axes(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "rms_scaling": self.rms_scaling,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
