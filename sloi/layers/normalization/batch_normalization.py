"""``BatchNormalization``: normalize each channel with batch statistics in training and moving
averages of them in inference."""

from __future__ import annotations

import torch

from sloi import constraints, initializers, regularizers
from sloi.engine import InputSpec, Layer
from sloi.engine.arguments import check_flags
from sloi.engine.symbolic import format_shape
from sloi.kernels import normalization as norm_ops


class BatchNormalization(Layer):
    """Batch normalization (Ioffe & Szegedy, 2015), as Keras 3 does it.

    In training (``training=True``, ``model.train()`` or ``fit``) each channel is normalized with
    the mean and biased variance of the batch, and the moving statistics are updated:
    ``moving = moving * momentum + batch * (1 - momentum)``. In inference the moving statistics
    are used. A frozen layer (``trainable=False``) always runs in inference mode, as in Keras 2.1+
    and 3 (fine-tuning keeps the statistics it was trained with).

    Args:
        axis: the channel axis (an int), ``-1`` for channels-last data.
        momentum: weight of the old value in the moving averages.
        epsilon: added to the variance before the square root.
        center / scale: whether to learn the offset ``beta`` / the factor ``gamma``.
        beta_initializer / gamma_initializer: ``"zeros"`` / ``"ones"`` by default.
        moving_mean_initializer / moving_variance_initializer: ``"zeros"`` / ``"ones"``.
        beta_regularizer / gamma_regularizer, beta_constraint / gamma_constraint: optional.
        renorm: batch renormalization (Ioffe, 2017): in training the batch statistics are
            corrected towards moving ones (``renorm_momentum``), clipped by ``renorm_clipping``
            (a dict with optional ``"rmin"``, ``"rmax"``, ``"dmax"``).
        synchronized: under data-parallel training in several processes (``sloi.distribute``),
            compute the training statistics over the global batch, not this process's share
            (``DataParallel(sync_batchnorm=True)`` does it for every layer). In one process it
            changes nothing. Keras supports it on its TensorFlow backend only.

    Call arguments:
        inputs: a tensor of any rank of 2 or more.
        training: True for batch statistics; by default ``layer.training``.
        mask: optional, rank ``inputs.ndim - 1``: in training, masked positions are left out of
            the batch statistics.

    Input shape: any, with the channel axis known. Output shape: the input's.
    Weights: ``gamma``, ``beta`` (trainable), ``moving_mean``, ``moving_variance``
    (non-trainable), each ``(channels,)``; with renorm also ``moving_stddev``, ``renorm_mean``,
    ``renorm_stddev``.

    Example:
        >>> x = Input(shape=(28, 28, 16))
        >>> y = BatchNormalization()(x)   # (None, 28, 28, 16), 64 parameters (32 trainable)
    """

    # The process group whose global batch the training statistics cover (synchronized batch
    # norm), or None for this process's batch alone. Set from outside, only around a training
    # forward that every process of the group runs (sloi.distribute's DDP wrapper does it).
    stats_group = None

    def __init__(self, axis=-1, momentum=0.99, epsilon=1e-3, center=True, scale=True,
                 beta_initializer="zeros", gamma_initializer="ones",
                 moving_mean_initializer="zeros", moving_variance_initializer="ones",
                 beta_regularizer=None, gamma_regularizer=None, beta_constraint=None,
                 gamma_constraint=None, renorm=False, renorm_clipping=None,
                 renorm_momentum=0.99, synchronized=False, **kwargs):
        super().__init__(**kwargs)
        if isinstance(axis, (list, tuple)) or isinstance(axis, bool):
            raise TypeError(
                f'Layer "{self.name}" (BatchNormalization): axis must be one int; got {axis!r}'
            )
        self.axis = int(axis)
        self.synchronized = bool(synchronized)
        self.momentum = float(momentum)
        self.epsilon = float(epsilon)
        check_flags(self, center=center, scale=scale)
        self.center = center
        self.scale = scale
        self.beta_initializer = initializers.get(beta_initializer)
        self.gamma_initializer = initializers.get(gamma_initializer)
        self.moving_mean_initializer = initializers.get(moving_mean_initializer)
        self.moving_variance_initializer = initializers.get(moving_variance_initializer)
        self.beta_regularizer = regularizers.get(beta_regularizer)
        self.gamma_regularizer = regularizers.get(gamma_regularizer)
        self.beta_constraint = constraints.get(beta_constraint)
        self.gamma_constraint = constraints.get(gamma_constraint)
        self.renorm = renorm
        if renorm:
            renorm_clipping = dict(renorm_clipping or {})
            self._check_renorm_clipping(renorm_clipping)
        self.renorm_clipping = renorm_clipping
        self.renorm_momentum = renorm_momentum
        self.supports_masking = True
        self.gamma = self.beta = None
        self.input_spec = InputSpec(min_ndim=2, layout="(batch, ..., channels)")

    def _check_renorm_clipping(self, clipping):
        unknown = sorted(set(clipping) - {"rmax", "rmin", "dmax"})
        if unknown:
            raise ValueError(
                f'Layer "{self.name}" (BatchNormalization): renorm_clipping keys must be among '
                f"rmax, rmin, dmax; got {unknown}"
            )
        rmin, rmax, dmax = clipping.get("rmin"), clipping.get("rmax"), clipping.get("dmax")
        if rmin is not None and rmax is not None and rmax < rmin:
            raise ValueError(
                f'Layer "{self.name}" (BatchNormalization): renorm_clipping needs rmax >= rmin; '
                f"got rmax={rmax}, rmin={rmin}"
            )
        if dmax is not None and dmax < 0:
            raise ValueError(
                f'Layer "{self.name}" (BatchNormalization): renorm_clipping needs dmax >= 0; '
                f"got dmax={dmax}"
            )

    def _channel_axis(self, input_shape) -> int:
        rank = len(input_shape)
        if not -rank <= self.axis < rank:
            raise ValueError(
                f'Layer "{self.name}" (BatchNormalization): axis {self.axis} is out of range for '
                f"inputs of shape {format_shape(tuple(input_shape))}"
            )
        return self.axis % rank

    def build(self, input_shape):
        axis = self._channel_axis(input_shape)
        channels = input_shape[axis]
        if channels is None:
            raise ValueError(
                f'Layer "{self.name}" (BatchNormalization) needs the size of axis {self.axis} '
                f"(the channels) to be known; got shape {format_shape(tuple(input_shape))}"
            )
        shape = (channels,)
        if self.scale:
            self.gamma = self.add_weight("gamma", shape, self.gamma_initializer,
                                         regularizer=self.gamma_regularizer,
                                         constraint=self.gamma_constraint)
        if self.center:
            self.beta = self.add_weight("beta", shape, self.beta_initializer,
                                        regularizer=self.beta_regularizer,
                                        constraint=self.beta_constraint)
        self.moving_mean = self.add_weight("moving_mean", shape, self.moving_mean_initializer,
                                           trainable=False)
        self.moving_variance = self.add_weight("moving_variance", shape,
                                               self.moving_variance_initializer, trainable=False)
        if self.renorm:
            # Both standard deviations start at the square root of the starting variance.
            def sqrt_of_variance_init(shape, dtype=None):
                return torch.sqrt(torch.as_tensor(
                    self.moving_variance_initializer(shape, dtype=dtype)))

            self.moving_stddev = self.add_weight("moving_stddev", shape, sqrt_of_variance_init,
                                                 trainable=False)
            self.renorm_mean = self.add_weight("renorm_mean", shape,
                                               self.moving_mean_initializer, trainable=False)
            self.renorm_stddev = self.add_weight("renorm_stddev", shape, sqrt_of_variance_init,
                                                 trainable=False)
        self.input_spec = InputSpec(ndim=len(input_shape), axes={axis: channels},
                                    layout="(batch, ..., channels)")

    def call(self, inputs, training=None, mask=None):
        if mask is not None and mask.ndim != inputs.ndim - 1:
            raise ValueError(
                f'Layer "{self.name}" (BatchNormalization): the mask must have one axis less '
                f"than the inputs; got mask shape {format_shape(tuple(mask.shape))} for inputs "
                f"of shape {format_shape(tuple(inputs.shape))}"
            )
        if training is None:
            training = self.training
        axis = self.axis % inputs.ndim
        # Statistics of half-precision data are computed in float32, as Keras does.
        x = inputs.float() if inputs.dtype in (torch.float16, torch.bfloat16) else inputs
        gamma, beta = self._cast(self.gamma, x), self._cast(self.beta, x)
        if not (training and self.trainable):
            outputs = norm_ops.batch_norm_inference(
                x, self._cast(self.moving_mean, x), self._cast(self.moving_variance, x),
                gamma, beta, axis, self.epsilon)
        elif (mask is None and not self.renorm and self.stats_group is None
              and inputs.numel() > inputs.shape[axis]):
            outputs, mean, variance = norm_ops.batch_norm_training(
                x, gamma, beta, axis, self.epsilon)
            self._update_moving(mean, variance)
        else:
            # Masked batches, renorm, statistics over several processes, or a single value per
            # channel (where the fused kernel refuses to run): the same math, written out.
            if self.stats_group is None:
                mean, variance = norm_ops.moments(x, axis, mask)
            else:
                mean, variance = norm_ops.global_moments(x, axis, mask, self.stats_group,
                                                         shift=self.moving_mean)
            if self.renorm:
                gamma, beta = self._renorm_transform(mean, variance, gamma, beta)
            else:
                self._update_moving(mean, variance)
            outputs = norm_ops.batch_norm(x, mean, variance, gamma, beta, axis, self.epsilon)
        return outputs.to(inputs.dtype)

    @staticmethod
    def _cast(weight, like):
        return None if weight is None else weight.to(like.dtype)

    def _update_moving(self, mean, variance):
        norm_ops.update_moving(self.moving_mean, mean, self.momentum)
        norm_ops.update_moving(self.moving_variance, variance, self.momentum)

    def _renorm_transform(self, mean, variance, gamma, beta):
        """Fold renorm's ``(x_hat * r + d) * gamma + beta`` into a new gamma and beta, then
        update the renorm and moving statistics (in that order, as Keras does)."""
        r, d = norm_ops.renorm_correction(mean, variance, self.renorm_mean, self.renorm_stddev,
                                          self.epsilon, self.renorm_clipping)
        new_gamma = r if gamma is None else r * gamma
        new_beta = d if gamma is None else d * gamma
        if beta is not None:
            new_beta = new_beta + beta
        stddev = torch.sqrt(variance + self.epsilon).detach()
        norm_ops.update_moving(self.renorm_mean, mean, self.renorm_momentum)
        norm_ops.update_moving(self.renorm_stddev, stddev, self.renorm_momentum)
        norm_ops.update_moving(self.moving_mean, mean, self.momentum)
        norm_ops.update_moving(self.moving_stddev, stddev, self.momentum)
        with torch.no_grad():
            # The moving variance follows the moving standard deviation.
            self.moving_variance.copy_(torch.relu(self.moving_stddev ** 2 - self.epsilon))
        return new_gamma, new_beta

    def compute_output_shape(self, input_shape):
        self._channel_axis(input_shape)
        return tuple(input_shape)

    def get_config(self):
        return {
            **super().get_config(),
            "axis": self.axis,
            "momentum": self.momentum,
            "epsilon": self.epsilon,
            "center": self.center,
            "scale": self.scale,
            "beta_initializer": initializers.serialize(self.beta_initializer),
            "gamma_initializer": initializers.serialize(self.gamma_initializer),
            "moving_mean_initializer": initializers.serialize(self.moving_mean_initializer),
            "moving_variance_initializer": initializers.serialize(
                self.moving_variance_initializer),
            "beta_regularizer": regularizers.serialize(self.beta_regularizer),
            "gamma_regularizer": regularizers.serialize(self.gamma_regularizer),
            "beta_constraint": constraints.serialize(self.beta_constraint),
            "gamma_constraint": constraints.serialize(self.gamma_constraint),
            "synchronized": self.synchronized,
            "renorm": self.renorm,
            "renorm_clipping": self.renorm_clipping,
            "renorm_momentum": self.renorm_momentum,
        }
