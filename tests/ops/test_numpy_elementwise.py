"""Element-wise ops (``sloi/ops/numpy/elementwise.py``) against Keras 3's ``keras.ops`` on
its torch backend: values, dtypes and shapes eagerly, output shapes symbolically."""

import numpy as np
import pytest
import torch

import sloi
from sloi import ops
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(0)
SHAPES = [(), (5,), (2, 3, 4)]


def _data(shape, dtype, domain="any"):
    """Random values of ``shape`` and ``dtype`` inside the op's domain."""
    if dtype == "bool":
        return RNG.integers(0, 2, shape).astype(bool)
    if dtype.startswith("int"):
        low, high = {"any": (-6, 7), "pos": (1, 10), "unit": (-1, 2), "ge1": (1, 10),
                     "nonneg": (0, 10)}[domain]
        return np.asarray(RNG.integers(low, high, shape)).astype(dtype)
    x = RNG.standard_normal(shape) * 2
    x = {"any": x, "pos": np.abs(x) + 0.1, "unit": np.tanh(x) * 0.9, "ge1": np.abs(x) + 1.0,
         "nonneg": np.abs(x)}[domain]
    return np.asarray(x).astype(dtype)


# name -> (domain, dtypes Keras takes)
FLOAT_INT_BOOL = ("float32", "int32", "bool")
UNARY = {
    "exp": ("any", (*FLOAT_INT_BOOL, "float16", "float64")),
    "exp2": ("any", FLOAT_INT_BOOL), "expm1": ("any", FLOAT_INT_BOOL),
    "log": ("pos", (*FLOAT_INT_BOOL, "float64")), "log10": ("pos", FLOAT_INT_BOOL),
    "log2": ("pos", FLOAT_INT_BOOL), "log1p": ("pos", FLOAT_INT_BOOL),
    "sqrt": ("pos", (*FLOAT_INT_BOOL, "int64", "float16")), "cbrt": ("any", (*FLOAT_INT_BOOL, "int64")),
    "square": ("any", (*FLOAT_INT_BOOL, "float64")), "reciprocal": ("pos", ("float32", "int32")),
    "i0": ("any", (*FLOAT_INT_BOOL, "float64")), "sinc": ("any", FLOAT_INT_BOOL),
    "sin": ("any", (*FLOAT_INT_BOOL, "float16")), "cos": ("any", FLOAT_INT_BOOL),
    "tan": ("unit", FLOAT_INT_BOOL), "arcsin": ("unit", FLOAT_INT_BOOL),
    "arccos": ("unit", FLOAT_INT_BOOL), "arctan": ("any", FLOAT_INT_BOOL),
    "sinh": ("any", FLOAT_INT_BOOL), "cosh": ("any", FLOAT_INT_BOOL),
    "tanh": ("any", (*FLOAT_INT_BOOL, "float64")), "arcsinh": ("any", FLOAT_INT_BOOL),
    "arccosh": ("ge1", FLOAT_INT_BOOL), "arctanh": ("unit", ("float32",)),
    "deg2rad": ("any", ("float32", "int32", "int64")),
    "rad2deg": ("any", ("float32", "int32", "int64")),
    "floor": ("any", (*FLOAT_INT_BOOL, "int64", "float16", "float64")),
    "ceil": ("any", (*FLOAT_INT_BOOL, "int64", "float16", "float64")),
    "trunc": ("any", FLOAT_INT_BOOL), "sign": ("any", ("float32", "int32")),
    "signbit": ("any", FLOAT_INT_BOOL), "fabs": ("any", (*FLOAT_INT_BOOL, "float64")),
    "copy": ("any", FLOAT_INT_BOOL), "nan_to_num": ("any", ("float32", "int32")),
    "isfinite": ("any", FLOAT_INT_BOOL), "isinf": ("any", FLOAT_INT_BOOL),
    "isposinf": ("any", ("float32", "int32")), "isneginf": ("any", ("float32", "int32")),
    "isnan": ("any", FLOAT_INT_BOOL), "isreal": ("any", FLOAT_INT_BOOL),
    "real": ("any", ("float32", "int32")), "conjugate": ("any", ("float32", "int32")),
    "conj": ("any", ("float32",)), "angle": ("any", ("float32", "int32")),
    "bitwise_invert": ("any", ("int32", "bool")), "bitwise_not": ("any", ("int32", "bool")),
}


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("name, dtype", [(n, d) for n, (_, ds) in UNARY.items() for d in ds])
def test_unary_ops_match_keras(name, dtype, shape):
    x = _data(shape, dtype, UNARY[name][0])
    if dtype.startswith("float"):
        # the special values the predicates and nan_to_num exist for
        x.reshape(-1)[:3] = [np.nan, np.inf, -np.inf][: x.size]
        if UNARY[name][0] != "any" and name not in ("isnan", "isfinite"):
            x = np.abs(np.nan_to_num(x, nan=0.5, posinf=0.5, neginf=0.5)) + 0.1
            x = np.tanh(x) * 0.9 if UNARY[name][0] == "unit" else x + 1.0
            x = np.asarray(x).astype(dtype)
    check_op(name, x)


def test_nan_to_num_replacements_match_keras():
    x = np.array([np.nan, np.inf, -np.inf, 1.5], "float32")
    check_op("nan_to_num", x, nan=7.0, posinf=100.0, neginf=-100.0)


@pytest.mark.parametrize("name", ["real", "imag", "conjugate", "conj", "angle", "isreal"])
def test_complex_ops_match_keras(name):
    x = (RNG.standard_normal((2, 3)) + 1j * RNG.standard_normal((2, 3))).astype("complex64")
    x[0, 0] = 2.0  # a real number among them, for isreal
    check_op(name, x)


def test_fabs_refuses_complex_inputs_as_keras_does():
    with pytest.raises(TypeError, match="complex"):
        ops.fabs(np.ones(2, "complex64"))


# name -> (domain of x1, domain of x2, dtypes pairs Keras takes)
F = ("float32", "float32")
FI = ("float32", "int32")
IF = ("int32", "float32")
II = ("int32", "int32")
BB = ("bool", "bool")
BINARY = {
    "arctan2": ("any", "any", (F, FI, II, ("float16", "float16"))),
    "logaddexp": ("any", "any", (F, FI, II, ("float16", "float32"), ("float16", "float16"))),
    "logaddexp2": ("any", "any", (F, II, ("float64", "float32"))),
    "hypot": ("any", "any", (F, II, FI, ("int64", "int32"))),
    "heaviside": ("any", "any", (F, II, ("int64", "int32"), ("float64", "float32"))),
    "maximum": ("any", "any", (F, FI, II, BB, ("int8", "int16"))),
    "minimum": ("any", "any", (F, FI, II, BB, ("float16", "float32"))),
    "fmax": ("any", "any", (F, FI, II)), "fmin": ("any", "any", (F, IF, II)),
    "fmod": ("any", "pos", (F, FI, II)),
    "divide_no_nan": ("any", "any", (F, FI, II, ("float64", "int32"))),
    "nextafter": ("any", "any", (F, II, ("float64", "float32"))),
    "ldexp": ("any", "any", (FI, II, ("float64", "int8"))),
    "gcd": ("any", "any", (II, ("int64", "int32"))), "lcm": ("any", "any", (II,)),
    "isclose": ("any", "any", (F, FI, II)), "allclose": ("any", "any", (F, II)),
    "bitwise_and": ("any", "any", (II, BB, ("int8", "int32"))),
    "bitwise_or": ("any", "any", (II, BB)), "bitwise_xor": ("any", "any", (II, BB)),
    "bitwise_left_shift": ("any", "nonneg", (II, ("int64", "int32"))),
    "left_shift": ("any", "nonneg", (II,)),
    "bitwise_right_shift": ("any", "nonneg", (II,)), "right_shift": ("any", "nonneg", (II,)),
}
PAIR_SHAPES = [((), ()), ((2, 3, 4), (4,)), ((2, 3, 4), (2, 3, 4))]


@pytest.mark.parametrize("shapes", PAIR_SHAPES, ids=str)
@pytest.mark.parametrize("name, dtypes", [(n, d) for n, (_, _, ds) in BINARY.items()
                                          for d in ds], ids=str)
def test_binary_ops_match_keras(name, dtypes, shapes):
    domain1, domain2, _ = BINARY[name]
    x1 = _data(shapes[0], dtypes[0], domain1)
    x2 = _data(shapes[1], dtypes[1], domain2)
    if name in ("divide_no_nan", "heaviside", "fmax", "fmin", "maximum") and x2.size > 1:
        x2.reshape(-1)[0] = 0  # the zero divisor / step point / ties these ops define
    if name in ("isclose", "allclose"):
        x2 = (x1 + (RNG.standard_normal(x1.shape) * 1e-6 if dtypes[0] == "float32" else 0)
              ).astype(dtypes[1])
    # a broadcast 1-D operand cannot take a None batch: give both their full shapes
    check_op(name, x1, x2, batch_none=shapes[0] == shapes[1])


WITH_NUMBER = [(name, dtype, number)
               for name in ("maximum", "minimum", "fmax", "fmin", "divide_no_nan", "arctan2",
                            "hypot", "logaddexp", "bitwise_and")
               for dtype in ("int8", "float16", "int32", "float32") for number in (2, 0.5)
               if name != "bitwise_and" or (isinstance(number, int) and "int" in dtype)]


@pytest.mark.parametrize("name, dtype, number", WITH_NUMBER, ids=str)
def test_binary_ops_with_a_python_number_match_keras(name, dtype, number):
    # a Python number adapts to the tensor's dtype (int8 stays int8 with 2). Keras's own
    # symbolic hypot and bitwise_and fail on a Python number (they read its .dtype)
    check_op(name, _data((3, 4), dtype), number,
             symbolic=name not in ("hypot", "bitwise_and"))


@pytest.mark.parametrize("name", ["fmax", "fmin", "maximum", "minimum"])
def test_nan_handling_of_maximum_and_fmax_matches_keras(name):
    x1 = np.array([np.nan, 1.0, np.nan, -2.0], "float32")
    x2 = np.array([3.0, np.nan, np.nan, 5.0], "float32")
    check_op(name, x1, x2)


def test_isclose_tolerances_and_equal_nan_match_keras():
    x1 = np.array([1.0, 1.001, np.nan, 100.0], "float32")
    x2 = np.array([1.0, 1.0, np.nan, 100.5], "float32")
    check_op("isclose", x1, x2, rtol=1e-2, atol=0.0, equal_nan=True)
    check_op("isclose", x1, x2)
    check_op("allclose", x1, x2, rtol=1e-2, equal_nan=True)
    check_op("allclose", x1, x2)


def test_ldexp_refuses_float_exponents_as_keras_does():
    with pytest.raises(TypeError, match="integer"):
        ops.ldexp(np.ones(2, "float32"), np.ones(2, "float32"))


@pytest.mark.parametrize("shape", SHAPES, ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "float16"])
def test_clip_matches_keras(dtype, shape):
    x = _data(shape, dtype)
    check_op("clip", x, -1, 1)
    check_op("clip", x, 0.5, 2.5)
    # tensor bounds (Keras records them in the op's config, not as graph inputs)
    check_op("clip", x, np.zeros(shape[-1:], "float32"), np.float32(1.5), batch_none=False)


def test_bit_shift_by_a_python_int_keeps_the_dtype_as_keras_does():
    check_op("bitwise_left_shift", _data((3, 4), "int8", "nonneg"), 2, symbolic=False)
    check_op("right_shift", _data((3, 4), "int32"), 1, symbolic=False)


def test_conj_records_a_conjugate_op_as_keras_does():
    x = sloi.Input((3,))
    y = ops.conj(x)
    assert y.history.layer.op_class_name == "Conjugate"


def test_elementwise_ops_on_python_numbers_match_keras():
    for name in ("exp", "sqrt", "floor", "sign", "isnan", "square"):
        check_op(name, 2.5, symbolic=False)
        check_op(name, 3, symbolic=False)


def test_gradients_flow_through_divide_no_nan_without_nans():
    x = torch.tensor([1.0, 2.0], requires_grad=True)
    y = torch.tensor([0.0, 4.0], requires_grad=True)
    ops.divide_no_nan(x, y).sum().backward()
    assert torch.isfinite(x.grad).all() and torch.isfinite(y.grad).all()
    np.testing.assert_allclose(x.grad.numpy(), [0.0, 0.25])


# Keras's promotion has no 64-bit results (float64 with float32 is float32), while the ops
# that let torch pick the dtype keep float64: every binary op on float64 operands
@pytest.mark.parametrize("name", sorted(n for n, (_, _, ds) in BINARY.items()
                                        if F in ds and n not in ("allclose", "isclose")))
@pytest.mark.parametrize("dtypes", [("float64", "float64"), ("float64", "float32"),
                                    ("int64", "float32")], ids=str)
def test_binary_ops_on_64_bit_operands_match_keras(name, dtypes):
    domain1, domain2, _ = BINARY[name]
    x2 = _data((2, 3), dtypes[1], domain2)
    check_op(name, _data((2, 3), dtypes[0], domain1), x2)
