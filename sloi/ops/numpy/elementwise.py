"""Element-wise math: ``exp``, ``sin``, ``clip``, ``maximum``, ``isnan``, bitwise ops, ...

Each op maps every element (or every broadcast pair of elements) to one result, with the
dtypes Keras 3 gives on its torch backend: most functions defined on floats turn int and bool
inputs into float32 (torch's default float), a few follow Keras's own rules (``floor`` of int64
is float32, ``deg2rad`` of int64 is float64), and binary ops promote their operands with
Keras's lattice (``result_type``: no 64-bit results), where a Python number adapts to
the tensor it meets.
"""

from __future__ import annotations

import torch

from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import convert_to_tensor, float_input, result_type

__all__ = [
    "allclose", "angle", "arccos", "arccosh", "arcsin", "arcsinh", "arctan", "arctan2",
    "arctanh", "bitwise_and", "bitwise_invert", "bitwise_left_shift", "bitwise_not",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "cbrt", "ceil", "clip", "conj",
    "conjugate", "copy", "cos", "cosh", "deg2rad", "divide_no_nan", "exp", "exp2", "expm1",
    "fabs", "floor", "fmax", "fmin", "fmod", "gcd", "heaviside", "hypot", "i0", "imag",
    "isclose", "isfinite", "isinf", "isnan", "isneginf", "isposinf", "isreal", "lcm", "ldexp",
    "left_shift", "log", "log10", "log1p", "log2", "logaddexp", "logaddexp2", "maximum",
    "minimum", "nan_to_num", "nextafter", "rad2deg", "real", "reciprocal", "right_shift",
    "sign", "signbit", "sin", "sinc", "sinh", "sqrt", "square", "tan", "tanh", "trunc",
]

_INTS = (torch.uint8, torch.int8, torch.int16, torch.int32, torch.int64)


def _pair(x1, x2):
    return convert_to_tensor(x1), convert_to_tensor(x2)


def _float_pair(x1, x2):
    """Both operands in their common dtype joined with a float (ints give float32)."""
    x1, x2 = _pair(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype, float)
    return x1.to(dtype), x2.to(dtype)


def _weak_pair(x1, x2):
    """Both operands in their common dtype, a Python number taking the tensor's dtype
    (``maximum(int8_tensor, 1)`` stays int8), as Keras promotes ``maximum`` / ``fmax``."""
    dtype = result_type(_dtype_of(x1), _dtype_of(x2))
    return convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)


def _dtype_of(x):
    if isinstance(x, (bool, int, float)):
        return type(x)
    return convert_to_tensor(x).dtype


def _int_to_float_pair(x1, x2):
    """Keras's rule for ``hypot`` / ``heaviside``: both in their common dtype, ints (int64
    included: Keras's promotion has made it int32 already) as float32."""
    x1, x2 = _pair(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype)
    if dtype in _INTS:
        dtype = torch.float32
    return x1.to(dtype), x2.to(dtype)


def _rounding_dtype(x: torch.Tensor) -> torch.dtype:
    """``floor`` / ``ceil`` results (Keras's rule): float16 and float32 keep their dtype;
    ints, bools and float64 become float32."""
    return result_type(x.dtype, float)


# ---------------------------------------------------------------------------- exp and log
@keras_op
def exp(x):
    """Element-wise ``e ** x``; ints and bools become float32."""
    return torch.exp(float_input(x))


@keras_op
def exp2(x):
    """Element-wise ``2 ** x``; ints and bools become float32."""
    return torch.exp2(float_input(x))


@keras_op
def expm1(x):
    """Element-wise ``exp(x) - 1``, accurate for small ``x``."""
    return torch.expm1(float_input(x))


@keras_op
def log(x):
    """Element-wise natural logarithm."""
    return torch.log(convert_to_tensor(x))


@keras_op
def log10(x):
    """Element-wise base-10 logarithm."""
    return torch.log10(convert_to_tensor(x))


@keras_op
def log2(x):
    """Element-wise base-2 logarithm."""
    return torch.log2(convert_to_tensor(x))


@keras_op
def log1p(x):
    """Element-wise ``log(1 + x)``, accurate for small ``x``."""
    return torch.log1p(convert_to_tensor(x))


@keras_op
def logaddexp(x1, x2):
    """Element-wise ``log(exp(x1) + exp(x2))`` without overflow."""
    x1, x2 = _float_pair(x1, x2)
    if x1.dtype == torch.float16:
        # computed in float32 and rounded back, as Keras does on the CPU
        return torch.logaddexp(x1.float(), x2.float()).half()
    return torch.logaddexp(x1, x2)


@keras_op
def logaddexp2(x1, x2):
    """Element-wise ``log2(2 ** x1 + 2 ** x2)`` without overflow."""
    return torch.logaddexp2(*_float_pair(x1, x2))


@keras_op
def sqrt(x):
    """Element-wise square root (int64 becomes float32, as in Keras)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.int64:
        x = x.float()
    return torch.sqrt(x)


@keras_op
def cbrt(x):
    """Element-wise real cube root, negative for negative ``x``."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    elif x.dtype == torch.int64:
        x = x.to(torch.float64)
    return torch.sign(x) * torch.abs(x) ** (1.0 / 3.0)


@keras_op
def square(x):
    """Element-wise ``x * x`` (bools count as int32)."""
    x = convert_to_tensor(x)
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.square(x)


@keras_op
def reciprocal(x):
    """Element-wise ``1 / x``."""
    return torch.reciprocal(convert_to_tensor(x))


@keras_op
def i0(x):
    """Element-wise modified Bessel function of the first kind, order 0."""
    x = convert_to_tensor(x)
    if x.dtype in (torch.int64, torch.float64):
        dtype = torch.float64
    elif x.dtype in (torch.float16, torch.bfloat16):
        dtype = x.dtype
    else:
        dtype = torch.float32
    return torch.i0(x.to(dtype))


@keras_op
def sinc(x):
    """Element-wise normalized sinc, ``sin(pi x) / (pi x)`` (1 at 0)."""
    return torch.sinc(convert_to_tensor(x))


# ---------------------------------------------------------------------------- trigonometry
@keras_op
def sin(x):
    """Element-wise sine (radians)."""
    return torch.sin(convert_to_tensor(x))


@keras_op
def cos(x):
    """Element-wise cosine (radians)."""
    return torch.cos(convert_to_tensor(x))


@keras_op
def tan(x):
    """Element-wise tangent (radians)."""
    return torch.tan(convert_to_tensor(x))


@keras_op
def arcsin(x):
    """Element-wise inverse sine, in ``[-pi/2, pi/2]``."""
    return torch.arcsin(convert_to_tensor(x))


@keras_op
def arccos(x):
    """Element-wise inverse cosine, in ``[0, pi]``."""
    return torch.arccos(convert_to_tensor(x))


@keras_op
def arctan(x):
    """Element-wise inverse tangent, in ``[-pi/2, pi/2]``."""
    return torch.arctan(convert_to_tensor(x))


@keras_op
def arctan2(x1, x2):
    """Element-wise angle of the point ``(x2, x1)``, in ``[-pi, pi]`` (quadrant-aware
    ``arctan(x1 / x2)``)."""
    x1, x2 = _float_pair(x1, x2)
    if x1.dtype == torch.float16:
        return torch.arctan2(x1.float(), x2.float()).half()
    return torch.arctan2(x1, x2)


@keras_op
def sinh(x):
    """Element-wise hyperbolic sine."""
    return torch.sinh(convert_to_tensor(x))


@keras_op
def cosh(x):
    """Element-wise hyperbolic cosine."""
    return torch.cosh(convert_to_tensor(x))


@keras_op
def tanh(x):
    """Element-wise hyperbolic tangent."""
    return torch.tanh(convert_to_tensor(x))


@keras_op
def arcsinh(x):
    """Element-wise inverse hyperbolic sine."""
    return torch.arcsinh(convert_to_tensor(x))


@keras_op
def arccosh(x):
    """Element-wise inverse hyperbolic cosine (NaN below 1)."""
    return torch.arccosh(convert_to_tensor(x))


@keras_op
def arctanh(x):
    """Element-wise inverse hyperbolic tangent (infinite at +-1, NaN beyond)."""
    return torch.arctanh(convert_to_tensor(x))


@keras_op
def hypot(x1, x2):
    """Element-wise ``sqrt(x1 ** 2 + x2 ** 2)`` without overflow."""
    return torch.hypot(*_int_to_float_pair(x1, x2))


@keras_op
def deg2rad(x):
    """Element-wise degrees to radians."""
    x = convert_to_tensor(x)
    out = torch.deg2rad(x)
    return out.to(torch.float64) if x.dtype == torch.int64 else out


@keras_op
def rad2deg(x):
    """Element-wise radians to degrees."""
    x = convert_to_tensor(x)
    out = torch.rad2deg(x)
    return out.to(torch.float64) if x.dtype == torch.int64 else out


# ---------------------------------------------------------------------------- rounding, sign
@keras_op
def floor(x):
    """Element-wise largest integer ``<= x``, as a float tensor."""
    x = convert_to_tensor(x)
    return torch.floor(x.to(_rounding_dtype(x)))


@keras_op
def ceil(x):
    """Element-wise smallest integer ``>= x``, as a float tensor."""
    x = convert_to_tensor(x)
    return torch.ceil(x.to(_rounding_dtype(x)))


@keras_op
def trunc(x):
    """Element-wise rounding toward zero; ints and bools are returned as they are."""
    x = convert_to_tensor(x)
    return x if x.dtype == torch.bool else torch.trunc(x)


@keras_op
def sign(x):
    """Element-wise -1, 0 or 1 by the sign of ``x``."""
    return torch.sign(convert_to_tensor(x))


@keras_op
def signbit(x):
    """Element-wise True where the sign bit is set (negative numbers and ``-0.0``)."""
    return torch.signbit(convert_to_tensor(x))


@keras_op
def fabs(x):
    """Element-wise absolute value as a float tensor (ints and bools become float32)."""
    x = convert_to_tensor(x)
    if x.is_complex():
        raise TypeError(f"fabs does not support complex inputs. Received: x.dtype={x.dtype}")
    return torch.abs(float_input(x))


@keras_op
def clip(x, x_min, x_max):
    """Element-wise ``x`` limited to ``[x_min, x_max]`` (bools count as int32)."""
    x, x_min, x_max = (convert_to_tensor(v) for v in (x, x_min, x_max))
    if x.dtype == torch.float16:
        return torch.clip(x.float(), min=x_min, max=x_max).half()
    if x.dtype == torch.bool:
        x = x.to(torch.int32)
    return torch.clip(x, min=x_min, max=x_max)


@keras_op
def nan_to_num(x, nan=0.0, posinf=None, neginf=None):
    """``x`` with NaN replaced by ``nan`` and infinities by ``posinf`` / ``neginf`` (the
    dtype's largest / lowest finite value by default)."""
    return torch.nan_to_num(convert_to_tensor(x), nan=nan, posinf=posinf, neginf=neginf)


@keras_op
def copy(x):
    """A new tensor with ``x``'s values."""
    return torch.clone(convert_to_tensor(x))


# ---------------------------------------------------------------------------- two operands
@keras_op
def maximum(x1, x2):
    """Element-wise larger of ``x1`` and ``x2`` (NaN if either is NaN)."""
    return torch.maximum(*_weak_pair(x1, x2))


@keras_op
def minimum(x1, x2):
    """Element-wise smaller of ``x1`` and ``x2`` (NaN if either is NaN)."""
    return torch.minimum(*_weak_pair(x1, x2))


@keras_op
def fmax(x1, x2):
    """Element-wise larger of ``x1`` and ``x2``, ignoring a NaN when the other is a number."""
    return torch.fmax(*_weak_pair(x1, x2))


@keras_op
def fmin(x1, x2):
    """Element-wise smaller of ``x1`` and ``x2``, ignoring a NaN when the other is a
    number."""
    return torch.fmin(*_weak_pair(x1, x2))


@keras_op
def fmod(x1, x2):
    """Element-wise remainder of ``x1 / x2`` with the sign of ``x1`` (C's ``fmod``)."""
    x1, x2 = _pair(x1, x2)
    if result_type(x1.dtype, x2.dtype) == torch.bool:
        x1, x2 = x1.to(torch.int32), x2.to(torch.int32)
    return torch.fmod(x1, x2)


@keras_op
def divide_no_nan(x1, x2):
    """Element-wise ``x1 / x2``, 0 where ``x2`` is 0 (no inf or NaN from zero divisors)."""
    dtype = result_type(_dtype_of(x1), _dtype_of(x2), float)
    x1, x2 = convert_to_tensor(x1, dtype), convert_to_tensor(x2, dtype)
    zero = x2 == 0
    # divide by 1 where x2 is 0, so no inf/NaN is ever made (its gradient would be NaN too)
    return torch.where(zero, 0, x1 / torch.where(zero, torch.ones_like(x2), x2))


@keras_op
def heaviside(x1, x2):
    """Element-wise step function: 0 where ``x1 < 0``, ``x2`` where ``x1 == 0``, 1 where
    ``x1 > 0``."""
    return torch.heaviside(*_int_to_float_pair(x1, x2))


@keras_op
def ldexp(x1, x2):
    """Element-wise ``x1 * 2 ** x2``; ``x2`` must be an integer tensor."""
    x1, x2 = _pair(x1, x2)
    if x2.dtype not in _INTS:
        raise TypeError(f"ldexp exponent must be an integer type. Received: x2 dtype={x2.dtype}")
    return torch.ldexp(x1, x2).to(result_type(x1.dtype, x2.dtype, float))


@keras_op
def nextafter(x1, x2):
    """Element-wise next representable float after ``x1`` toward ``x2`` (taken in float64,
    then cast to the operands' float dtype, as Keras does)."""
    x1, x2 = _pair(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype, float)
    return torch.nextafter(x1.double(), x2.double()).to(dtype)


@keras_op
def gcd(x1, x2):
    """Element-wise greatest common divisor of integers."""
    return torch.gcd(*_pair(x1, x2))


@keras_op
def lcm(x1, x2):
    """Element-wise least common multiple of integers."""
    return torch.lcm(*_pair(x1, x2))


# ---------------------------------------------------------------------------- comparisons
@keras_op
def isclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Element-wise ``|x1 - x2| <= atol + rtol * |x2|`` (bool); integers compare exactly."""
    x1, x2 = _pair(x1, x2)
    dtype = result_type(x1.dtype, x2.dtype)
    x1, x2 = x1.to(dtype), x2.to(dtype)
    if dtype.is_floating_point:
        return torch.isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan)
    return torch.eq(x1, x2)


@keras_op(class_name="AllClose")
def allclose(x1, x2, rtol=1e-5, atol=1e-8, equal_nan=False):
    """Whether every pair of elements is close (a 0-d bool tensor); see :func:`isclose`."""
    return torch.all(isclose(x1, x2, rtol=rtol, atol=atol, equal_nan=equal_nan))


@keras_op
def isfinite(x):
    """Element-wise True where ``x`` is neither infinite nor NaN."""
    return torch.isfinite(convert_to_tensor(x))


@keras_op
def isinf(x):
    """Element-wise True where ``x`` is +inf or -inf."""
    return torch.isinf(convert_to_tensor(x))


@keras_op
def isposinf(x):
    """Element-wise True where ``x`` is +inf."""
    return torch.isposinf(convert_to_tensor(x))


@keras_op
def isneginf(x):
    """Element-wise True where ``x`` is -inf."""
    return torch.isneginf(convert_to_tensor(x))


@keras_op
def isnan(x):
    """Element-wise True where ``x`` is NaN."""
    return torch.isnan(convert_to_tensor(x))


@keras_op
def isreal(x):
    """Element-wise True where ``x`` has no imaginary part (always, for real dtypes)."""
    return torch.isreal(convert_to_tensor(x))


# ---------------------------------------------------------------------------- complex numbers
@keras_op
def real(x):
    """Element-wise real part (a real tensor is returned as it is)."""
    return torch.real(convert_to_tensor(x))


@keras_op
def imag(x):
    """Element-wise imaginary part of a complex tensor."""
    return torch.imag(convert_to_tensor(x))


@keras_op
def conjugate(x):
    """Element-wise complex conjugate (a real tensor is returned as it is)."""
    return torch.conj(convert_to_tensor(x)).resolve_conj()


def conj(x):
    """Same as :func:`conjugate` (Keras records it as a ``Conjugate`` op too)."""
    return conjugate(x)


@keras_op
def angle(x):
    """Element-wise argument of a complex number, in radians (0 or pi for reals)."""
    return torch.angle(convert_to_tensor(x))


# ---------------------------------------------------------------------------- bitwise
@keras_op
def bitwise_and(x, y):
    """Element-wise bitwise AND of integers (logical AND of bools)."""
    return torch.bitwise_and(*_pair(x, y))


@keras_op
def bitwise_or(x, y):
    """Element-wise bitwise OR of integers (logical OR of bools)."""
    return torch.bitwise_or(*_pair(x, y))


@keras_op
def bitwise_xor(x, y):
    """Element-wise bitwise XOR of integers (logical XOR of bools)."""
    return torch.bitwise_xor(*_pair(x, y))


@keras_op
def bitwise_invert(x):
    """Element-wise bitwise NOT, ``~x`` (logical NOT of bools)."""
    return torch.bitwise_not(convert_to_tensor(x))


@keras_op
def bitwise_not(x):
    """Same as :func:`bitwise_invert`."""
    return torch.bitwise_not(convert_to_tensor(x))


def _shift_amount(y):
    # a Python int shift stays a number: torch keeps x's dtype for it
    return y if isinstance(y, int) else convert_to_tensor(y)


@keras_op
def bitwise_left_shift(x, y):
    """Element-wise ``x << y`` of integers."""
    return torch.bitwise_left_shift(convert_to_tensor(x), _shift_amount(y))


@keras_op
def left_shift(x, y):
    """Same as :func:`bitwise_left_shift`."""
    return torch.bitwise_left_shift(convert_to_tensor(x), _shift_amount(y))


@keras_op
def bitwise_right_shift(x, y):
    """Element-wise ``x >> y`` of integers (arithmetic shift: keeps the sign)."""
    return torch.bitwise_right_shift(convert_to_tensor(x), _shift_amount(y))


@keras_op
def right_shift(x, y):
    """Same as :func:`bitwise_right_shift`."""
    return torch.bitwise_right_shift(convert_to_tensor(x), _shift_amount(y))
