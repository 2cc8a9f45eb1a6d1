"""``SpectralNormalization``: divide a layer's kernel by its largest singular value."""

from __future__ import annotations

import numbers

import torch

from sloi import initializers
from sloi.engine import InputSpec
from sloi.layers.core.wrapper import Wrapper


def _l2_normalize(v: torch.Tensor) -> torch.Tensor:
    """``v / ||v||`` over all its entries, as Keras's ``normalize(axis=None)`` computes it."""
    return v * torch.rsqrt(torch.sum(v * v)).clamp(max=1e12)


class SpectralNormalization(Wrapper):
    """Spectral normalization (Miyato et al., 2018) of the wrapped layer's ``kernel`` (or
    ``embeddings``): in training, each call estimates the kernel's largest singular value
    ``sigma`` by ``power_iterations`` steps of power iteration, starting from the vector ``u``
    kept between calls, and replaces the kernel by ``kernel / sigma`` (the kernel is updated
    in place, as in Keras; the gradient does not flow through ``sigma``). In inference the
    wrapped layer runs on the kernel as it is. A kernel of zeros is left alone.

    Args:
        layer: the layer to normalize, with a ``kernel`` (Dense, Conv, ...) or ``embeddings``.
        power_iterations: power-iteration steps per training call (positive).

    Call arguments:
        inputs: what the wrapped layer takes.
        training: whether to normalize; by default ``layer.training``.

    Input shape / Output shape: those of the wrapped layer.
    Weights (Keras's order): the wrapped kernel, ``vector_u (1, kernel.shape[-1])``
    (non-trainable, truncated normal with stddev 0.02), then the wrapped layer's others.

    Example:
        >>> x = Input(shape=(28, 28, 1))
        >>> y = SpectralNormalization(Conv2D(16, 3))(x)
    """

    def __init__(self, layer, power_iterations=1, **kwargs):
        super().__init__(layer, **kwargs)
        if (isinstance(power_iterations, bool) or not isinstance(power_iterations, numbers.Integral)
                or power_iterations <= 0):
            raise ValueError(
                f'Layer "{self.name}" (SpectralNormalization): power_iterations must be a '
                f"positive integer; got power_iterations={power_iterations!r}"
            )
        self.power_iterations = int(power_iterations)

    def build(self, input_shape):
        super().build(input_shape)
        self.input_spec = InputSpec(min_ndim=1, axes={-1: input_shape[-1]})
        self._kernel_name = "kernel" if hasattr(self.layer, "kernel") else "embeddings"
        kernel = getattr(self.layer, self._kernel_name, None)
        if not isinstance(kernel, torch.Tensor):
            raise ValueError(
                f'Layer "{self.name}" (SpectralNormalization): the wrapped layer '
                f'"{self.layer.name}" ({type(self.layer).__name__}) has neither a kernel nor '
                "embeddings to normalize"
            )
        self.vector_u = self.add_weight(
            "vector_u", (1, kernel.shape[-1]), initializers.TruncatedNormal(stddev=0.02),
            trainable=False, dtype=kernel.dtype)

    @property
    def kernel(self):
        """The wrapped layer's kernel (or embeddings), the weight this layer normalizes."""
        return getattr(self.layer, self._kernel_name)

    def tracked_weights_with_names(self):
        # Keras keeps the wrapped kernel as an attribute of the wrapper too, so its weights
        # file stores it twice: in the wrapper's own variables (kernel, vector_u) and in the
        # wrapped layer's
        own = super().tracked_weights_with_names()
        return own if not self.built else [(self._kernel_name, self.kernel)] + own

    def weights_with_paths(self):
        # Keras tracks the wrapped kernel as the wrapper's own first weight: kernel, vector_u,
        # then the wrapped layer's other weights.
        pairs = super().weights_with_paths()
        if not self.built:
            return pairs
        kernel = self.kernel
        return [p for p in pairs if p[1] is kernel] + [p for p in pairs if p[1] is not kernel]

    @torch.no_grad()
    def normalized_weights(self):
        """``(u, kernel / sigma)`` after ``power_iterations`` steps from the current ``u``."""
        shape = self.kernel.shape
        weights = self.kernel.reshape(-1, shape[-1])
        u = self.vector_u
        for _ in range(self.power_iterations):
            v = _l2_normalize(u @ weights.T)
            u = _l2_normalize(v @ weights)
        sigma = (v @ weights) @ u.T
        return u, (self.kernel / sigma).reshape(shape)

    def call(self, inputs, training=None):
        if training is None:
            training = self.training
        if training and bool(torch.any(self.kernel != 0)):
            u, kernel = self.normalized_weights()
            with torch.no_grad():
                self.vector_u.copy_(u)
                self.kernel.copy_(kernel)
        outputs = self.layer(inputs)
        return outputs.to(inputs.dtype) if inputs.is_floating_point() else outputs

    def compute_output_shape(self, input_shape):
        return self.layer.compute_output_shape(input_shape)

    def get_config(self):
        return {**super().get_config(), "power_iterations": self.power_iterations}
