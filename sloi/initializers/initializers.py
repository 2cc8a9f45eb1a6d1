"""Weight initializers with Keras 3 names, arguments and distributions.

An initializer is called as `init(shape, dtype=None)` and returns a new CPU `torch.Tensor`
(float32 unless `dtype` says otherwise). Random initializers draw from torch's global generator
when `seed` is None, so `torch.manual_seed(0)` makes a whole model reproducible; with an int
`seed` they draw from a private generator seeded afresh on every call, so the same seed always
gives the same tensor.
"""

import math
import numbers

import numpy as np
import torch

# Standard deviation of a standard normal truncated to [-2, 2]; dividing by it makes a
# truncated normal have the stddev that was asked for (the constant Keras uses).
_TRUNCATED_STDDEV = 0.87962566103423978

_FLOAT_DTYPES = (torch.float16, torch.bfloat16, torch.float32, torch.float64)


def _to_dtype(dtype):
    """None -> float32; a torch dtype, numpy dtype or name ("float32") -> torch dtype."""
    if dtype is None:
        return torch.float32
    if isinstance(dtype, torch.dtype):
        return dtype
    name = np.dtype(dtype).name if not isinstance(dtype, str) else dtype
    result = getattr(torch, name, None)
    if isinstance(result, torch.dtype):
        return result
    raise ValueError(f"Unknown dtype {dtype!r}.")


def _to_shape(shape):
    if isinstance(shape, numbers.Integral):
        return (int(shape),)
    return tuple(int(d) for d in shape)


def compute_fans(shape, input_axes=None, output_axes=None):
    """Returns `(fan_in, fan_out)` for a weight of `shape`, as Keras counts them.

    Rank 2 `(in, out)`; rank > 2 is a conv kernel `(k..., in, out)` whose receptive field
    `prod(k...)` multiplies both fans; rank 1 uses its length for both, rank 0 uses 1.
    `input_axes` / `output_axes` (lists of axes) override the rule when both are given.
    """
    shape = _to_shape(shape)
    if input_axes is not None and output_axes is not None:
        return math.prod(shape[a] for a in input_axes), math.prod(shape[a] for a in output_axes)
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    receptive_field = math.prod(shape[:-2])
    return shape[-2] * receptive_field, shape[-1] * receptive_field


class Initializer:
    """Base class: subclasses implement `__call__(shape, dtype=None)` and `get_config`."""

    def __call__(self, shape, dtype=None):
        raise NotImplementedError(f"{type(self).__name__} must implement __call__.")

    def get_config(self):
        return {}

    @classmethod
    def from_config(cls, config):
        return cls(**config)

    def __repr__(self):
        args = ", ".join(f"{k}={v!r}" for k, v in self.get_config().items())
        return f"{type(self).__name__}({args})"


class Zeros(Initializer):
    """Fills with 0."""

    def __call__(self, shape, dtype=None):
        return torch.zeros(_to_shape(shape), dtype=_to_dtype(dtype))


class Ones(Initializer):
    """Fills with 1."""

    def __call__(self, shape, dtype=None):
        return torch.ones(_to_shape(shape), dtype=_to_dtype(dtype))


class Constant(Initializer):
    """Fills with `value` (a scalar, or an array that broadcasts to the shape).

    Args:
        value: the fill value.
    """

    def __init__(self, value=0.0):
        self.value = value

    def __call__(self, shape, dtype=None):
        shape, dtype = _to_shape(shape), _to_dtype(dtype)
        if isinstance(self.value, numbers.Number):
            return torch.full(shape, self.value, dtype=dtype)
        return torch.as_tensor(self.value, dtype=dtype).expand(shape).clone()

    def get_config(self):
        value = self.value
        if isinstance(value, (np.ndarray, np.generic, torch.Tensor)):
            value = value.tolist()  # JSON-friendly
        return {"value": value}


class Identity(Initializer):
    """`gain` times the identity matrix; only for rank-2 shapes (rectangular allowed).

    Args:
        gain: multiplicative factor.
    """

    def __init__(self, gain=1.0):
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _to_shape(shape)
        if len(shape) != 2:
            raise ValueError(
                f"Identity initializer needs a rank-2 shape; got shape={shape} of rank "
                f"{len(shape)}."
            )
        eye = torch.eye(*shape, dtype=_to_dtype(dtype))
        return eye.mul_(self.gain) if self.gain != 1 else eye

    def get_config(self):
        return {"gain": self.gain}


class RandomInitializer(Initializer):
    """Base of the random initializers: holds `seed` (None or an int)."""

    def __init__(self, seed=None):
        if seed is not None and (
            isinstance(seed, bool) or not isinstance(seed, numbers.Integral)
        ):
            raise ValueError(f"`seed` must be None or an int; got seed={seed!r}.")
        self.seed = None if seed is None else int(seed)

    def _generator(self):
        # None falls through to torch's global generator.
        if self.seed is None:
            return None
        return torch.Generator().manual_seed(self.seed)

    def _empty(self, shape, dtype):
        # Sampling in float32 (float64 if asked) and casting afterwards means a seed gives the
        # same values, up to rounding, whatever the requested float dtype.
        dtype = _to_dtype(dtype)
        if dtype not in _FLOAT_DTYPES:
            raise ValueError(
                f"{type(self).__name__} draws floating-point values; got dtype={dtype}."
            )
        sample_dtype = torch.float64 if dtype == torch.float64 else torch.float32
        return torch.empty(_to_shape(shape), dtype=sample_dtype), dtype

    def _normal(self, shape, dtype, mean, stddev):
        out, dtype = self._empty(shape, dtype)
        return out.normal_(mean, stddev, generator=self._generator()).to(dtype)

    def _truncated_normal(self, shape, dtype, mean, stddev):
        # Values beyond 2 stddev are redrawn (inverse-CDF sampling, so none ever escape).
        out, dtype = self._empty(shape, dtype)
        torch.nn.init.trunc_normal_(out, 0.0, 1.0, -2.0, 2.0, generator=self._generator())
        return out.mul_(stddev).add_(mean).to(dtype)

    def _uniform(self, shape, dtype, minval, maxval):
        out, dtype = self._empty(shape, dtype)
        return out.uniform_(minval, maxval, generator=self._generator()).to(dtype)

    def get_config(self):
        return {"seed": self.seed}


class RandomNormal(RandomInitializer):
    """Draws from N(mean, stddev^2).

    Args:
        mean, stddev: of the normal distribution.
        seed: None (global torch RNG) or an int (same tensor on every call).
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None):
        super().__init__(seed)
        self.mean = mean
        self.stddev = stddev

    def __call__(self, shape, dtype=None):
        return self._normal(shape, dtype, self.mean, self.stddev)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


class TruncatedNormal(RandomNormal):
    """Draws from N(mean, stddev^2) restricted to `mean +- 2 * stddev`.

    Args:
        mean, stddev: of the normal before truncation.
        seed: None (global torch RNG) or an int (same tensor on every call).
    """

    def __call__(self, shape, dtype=None):
        return self._truncated_normal(shape, dtype, self.mean, self.stddev)


class RandomUniform(RandomInitializer):
    """Draws from U[minval, maxval).

    Args:
        minval, maxval: bounds of the uniform distribution.
        seed: None (global torch RNG) or an int (same tensor on every call).
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None):
        super().__init__(seed)
        self.minval = minval
        self.maxval = maxval

    def __call__(self, shape, dtype=None):
        return self._uniform(shape, dtype, self.minval, self.maxval)

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


class VarianceScaling(RandomInitializer):
    """Draws with variance `scale / n`, n the fan chosen by `mode` (see `compute_fans`).

    Args:
        scale: positive scaling factor.
        mode: "fan_in", "fan_out" or "fan_avg" (mean of the two).
        distribution: "truncated_normal" (stddev `sqrt(scale / n) / .8796...` before
            truncation at 2 stddev, so the result has variance `scale / n`; "normal" is an
            alias), "untruncated_normal" (stddev `sqrt(scale / n)`) or "uniform" (limits
            `+- sqrt(3 * scale / n)`).
        seed: None (global torch RNG) or an int (same tensor on every call).
        input_axes, output_axes: optional axes lists that define the fans explicitly.
    """

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None):
        super().__init__(seed)
        if scale <= 0.0:
            raise ValueError(f"`scale` must be a positive float; got scale={scale}.")
        if mode not in ("fan_in", "fan_out", "fan_avg"):
            raise ValueError(
                f"`mode` must be 'fan_in', 'fan_out' or 'fan_avg'; got mode={mode!r}."
            )
        distribution = distribution.lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        if distribution not in ("truncated_normal", "untruncated_normal", "uniform"):
            raise ValueError(
                "`distribution` must be 'truncated_normal', 'untruncated_normal' or "
                f"'uniform'; got distribution={distribution!r}."
            )
        self.scale = scale
        self.mode = mode
        self.distribution = distribution
        self.input_axes = input_axes
        self.output_axes = output_axes

    def __call__(self, shape, dtype=None):
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        fan = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}
        variance = self.scale / max(1.0, fan[self.mode])
        if self.distribution == "truncated_normal":
            return self._truncated_normal(
                shape, dtype, 0.0, math.sqrt(variance) / _TRUNCATED_STDDEV
            )
        if self.distribution == "untruncated_normal":
            return self._normal(shape, dtype, 0.0, math.sqrt(variance))
        limit = math.sqrt(3.0 * variance)
        return self._uniform(shape, dtype, -limit, limit)

    def get_config(self):
        return {"scale": self.scale, "mode": self.mode, "distribution": self.distribution,
                "seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}


class _FixedVarianceScaling(VarianceScaling):
    """A VarianceScaling whose scale, mode and distribution are fixed by the subclass."""

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"

    def __init__(self, seed=None, input_axes=None, output_axes=None):
        super().__init__(self._scale, self._mode, self._distribution, seed,
                         input_axes, output_axes)

    def get_config(self):
        return {"seed": self.seed, "input_axes": self.input_axes,
                "output_axes": self.output_axes}


class GlorotUniform(_FixedVarianceScaling):
    """Xavier uniform: U(-limit, limit), `limit = sqrt(6 / (fan_in + fan_out))`."""

    _scale, _mode, _distribution = 1.0, "fan_avg", "uniform"


class GlorotNormal(_FixedVarianceScaling):
    """Xavier normal: truncated normal, `stddev = sqrt(2 / (fan_in + fan_out))`."""

    _scale, _mode, _distribution = 1.0, "fan_avg", "truncated_normal"


class HeUniform(_FixedVarianceScaling):
    """He uniform: U(-limit, limit), `limit = sqrt(6 / fan_in)`."""

    _scale, _mode, _distribution = 2.0, "fan_in", "uniform"


class HeNormal(_FixedVarianceScaling):
    """He normal: truncated normal, `stddev = sqrt(2 / fan_in)`."""

    _scale, _mode, _distribution = 2.0, "fan_in", "truncated_normal"


class LecunUniform(_FixedVarianceScaling):
    """LeCun uniform: U(-limit, limit), `limit = sqrt(3 / fan_in)`."""

    _scale, _mode, _distribution = 1.0, "fan_in", "uniform"


class LecunNormal(_FixedVarianceScaling):
    """LeCun normal: truncated normal, `stddev = sqrt(1 / fan_in)`."""

    _scale, _mode, _distribution = 1.0, "fan_in", "truncated_normal"


class Orthogonal(RandomInitializer):
    """`gain` times a random orthogonal matrix (Saxe et al. 2014).

    A shape `(d0, ..., dn-1, dn)` is treated as a `(d0 * ... * dn-1, dn)` matrix whose columns
    (or rows, if it is wider than tall) are orthonormal, then reshaped back.

    Args:
        gain: multiplicative factor.
        seed: None (global torch RNG) or an int (same tensor on every call).
    """

    def __init__(self, gain=1.0, seed=None):
        super().__init__(seed)
        self.gain = gain

    def __call__(self, shape, dtype=None):
        shape = _to_shape(shape)
        if len(shape) < 2:
            raise ValueError(
                f"Orthogonal initializer needs a shape of rank >= 2; got shape={shape}."
            )
        rows, cols = math.prod(shape[:-1]), shape[-1]
        a, dtype = self._empty((max(rows, cols), min(rows, cols)), dtype)
        a.normal_(0.0, 1.0, generator=self._generator())
        q, r = torch.linalg.qr(a)
        # Fixing the signs by diag(r) makes Q uniformly (Haar) distributed.
        q = q * torch.sign(torch.diagonal(r))
        if rows < cols:
            q = q.T
        return (self.gain * q).reshape(shape).to(dtype)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


IdentityInitializer = Identity
OrthogonalInitializer = Orthogonal
