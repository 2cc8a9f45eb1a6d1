"""``GroupNormalization``: normalize each example over groups of channels."""

from __future__ import annotations

import torch
import torch.nn.functional as F

from sloi import constraints, initializers, regularizers
from sloi.engine import InputSpec, Layer
from sloi.engine.symbolic import format_shape


class GroupNormalization(Layer):
    """Group normalization (Wu & He, 2018): the channels (``axis``) are split into ``groups``
    consecutive groups, and each example is normalized over each group's channels and all its
    other axes but the batch: ``(x - mean) / sqrt(var + epsilon) * gamma + beta``. Same in
    training and inference; independent of the batch size. ``groups=1`` is layer
    normalization over all axes, ``groups=-1`` (one group a channel) instance normalization.

    Args:
        groups: number of groups, dividing the number of channels; -1 for one per channel.
        axis: the channels axis (an int), -1 by default.
        epsilon: added to the variance before the square root.
        center / scale: whether to learn the offset ``beta`` / the factor ``gamma``.
        beta_initializer / gamma_initializer: ``"zeros"`` / ``"ones"`` by default.
        beta_regularizer / gamma_regularizer, beta_constraint / gamma_constraint: optional.

    Input shape: any rank >= 2, with a known number of channels. Output shape: the input's.
    Weights: ``gamma (channels,)``, ``beta (channels,)``.

    Example:
        >>> x = Input(shape=(32, 32, 64))
        >>> y = GroupNormalization(groups=8)(x)   # (None, 32, 32, 64), 128 parameters
    """

    def __init__(self, groups=32, axis=-1, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones", beta_regularizer=None,
                 gamma_regularizer=None, beta_constraint=None, gamma_constraint=None, **kwargs):
        super().__init__(**kwargs)
        if isinstance(groups, bool) or not isinstance(groups, int) or (
                groups <= 0 and groups != -1):
            raise ValueError(f'Layer "{self.name}" (GroupNormalization): groups must be a '
                             f"positive integer (or -1 for instance normalization); got "
                             f"groups={groups!r}")
        if isinstance(axis, bool) or not isinstance(axis, int):
            raise ValueError(f'Layer "{self.name}" (GroupNormalization): axis must be an int; '
                             f"got axis={axis!r}")
        self.groups = groups
        self.axis = axis
        self.epsilon = epsilon
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.supports_masking = True
        self.gamma = self.beta = None

    def _error(self, message, input_shape):
        return ValueError(f'Layer "{self.name}" (GroupNormalization): {message}; got inputs of '
                          f"shape {format_shape(tuple(input_shape))}")

    def build(self, input_shape):
        rank = len(input_shape)
        if rank < 2 or not -rank <= self.axis < rank or self.axis % rank == 0:
            raise self._error(f"axis {self.axis} must be an axis of the input other than the "
                              "batch", input_shape)
        channels = input_shape[self.axis]
        if channels is None:
            raise self._error(f"needs the size of axis {self.axis} (the channels) to be known",
                              input_shape)
        if self.groups == -1:
            self.groups = channels
        if channels < self.groups or channels % self.groups:
            raise self._error(f"groups={self.groups} must divide the {channels} channels of "
                              f"axis {self.axis}", input_shape)
        self.input_spec = InputSpec(ndim=rank, axes={self.axis: channels})
        if self.scale:
            self.gamma = self.add_weight("gamma", (channels,), self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", (channels,), self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)

    def call(self, inputs):
        # torch's fused group norm wants (batch, channels, ...) and groups consecutive
        # channels, as Keras's reshape into (..., groups, channels // groups) does.
        # Half-precision data is normalized in float32, as Keras does.
        x = inputs.float() if inputs.dtype in (torch.float16, torch.bfloat16) else inputs
        x = x.movedim(self.axis, 1)
        gamma = None if self.gamma is None else self.gamma.to(x.dtype)
        beta = None if self.beta is None else self.beta.to(x.dtype)
        outputs = F.group_norm(x, self.groups, gamma, beta, self.epsilon)
        return outputs.movedim(1, self.axis).to(inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "groups": self.groups,
            "axis": self.axis,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
        }
