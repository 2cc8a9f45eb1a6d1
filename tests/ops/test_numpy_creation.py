"""Creation ops (``sloi/ops/numpy/creation.py``) against Keras 3's torch backend."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import ops
from tests.ops.keras_configs import check_keras_config
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(1)
F32 = RNG.standard_normal((3, 4)).astype("float32")
I32 = RNG.integers(-5, 5, (3, 4)).astype("int32")
B = RNG.random((3, 4)) > 0.5
ARRAYS = {"float32": F32, "int32": I32, "bool": B}


@pytest.mark.parametrize("args", [(5,), (2, 9), (1, 7, 2), (0.5, 3.0), (2, 7.5, 0.5), (5, 0, -1)])
@pytest.mark.parametrize("dtype", [None, "float32", "int32"])
def test_arange(args, dtype):
    check_op("arange", *args, dtype=dtype, symbolic=False)


@pytest.mark.parametrize("name", ["linspace", "logspace", "geomspace"])
@pytest.mark.parametrize("endpoint", [True, False])
@pytest.mark.parametrize("ends", [(1, 3), (2.0, 5.0), (-1.0, 2)])
def test_ranges_with_scalar_ends(name, endpoint, ends):
    if name == "geomspace" and ends[0] * ends[1] <= 0:
        ends = (abs(ends[0]) + 1, abs(ends[1]) + 1)
    check_op(name, *ends, num=7, endpoint=endpoint, symbolic=False, rtol=1e-5)


@pytest.mark.parametrize("name", ["linspace", "logspace"])
def test_ranges_with_array_ends(name):
    start = np.array([0.0, 1.0], "float32")
    stop = np.array([1.0, 3.0], "float32")
    check_op(name, start, stop, num=5, symbolic=False, rtol=1e-5)
    check_op(name, start, stop, num=5, endpoint=False, symbolic=False, rtol=1e-5)


def test_linspace_retstep_and_dtypes():
    values, step = ops.linspace(0, 1, num=5, retstep=True)
    expected, expected_step = np.linspace(0, 1, num=5, retstep=True)
    np.testing.assert_allclose(values.numpy(), expected, rtol=1e-6)
    assert float(step) == pytest.approx(expected_step)
    check_op("linspace", 0, 10, num=6, dtype="int32", symbolic=False)


@pytest.mark.parametrize("name", ["linspace", "logspace", "geomspace"])
def test_ranges_honour_an_axis_keras_torch_refuses(name):
    start = np.array([1.0, 2.0], "float32")
    stop = np.array([4.0, 8.0], "float32")
    ours = getattr(ops, name)(start, stop, num=4, axis=1)
    expected = getattr(np, name)(start, stop, num=4, axis=1)
    np.testing.assert_allclose(ours.numpy(), expected, rtol=1e-5)


@pytest.mark.parametrize("name", ["zeros", "ones", "empty"])
@pytest.mark.parametrize("shape", [3, (2, 3), (1, 2, 3)])
@pytest.mark.parametrize("dtype", [None, "int32", "bool"])
def test_constant_shapes(name, shape, dtype):
    if name == "empty":  # values are unspecified: compare shape and dtype only
        ours = ops.empty(shape, dtype=dtype)
        # Keras's torch empty takes no int shape: sloi does, as zeros and ones
        theirs = keras.ops.empty((shape,) if isinstance(shape, int) else shape, dtype=dtype)
        assert tuple(ours.shape) == tuple(theirs.shape) and ours.dtype == theirs.dtype
        return
    check_op(name, shape, dtype=dtype, symbolic=False)


@pytest.mark.parametrize("fill", [3, 2.5, True, np.array([1.0, 2.0, 3.0], "float32")])
@pytest.mark.parametrize("dtype", [None, "int32", "float32"])
def test_full(fill, dtype):
    check_op("full", (2, 3), fill, dtype=dtype, symbolic=False)


@pytest.mark.parametrize("name", ["zeros_like", "ones_like"])
@pytest.mark.parametrize("x", ARRAYS.values(), ids=ARRAYS.keys())
@pytest.mark.parametrize("dtype", [None, "float32", "int32"])
def test_like(name, x, dtype):
    check_op(name, x, dtype=dtype)


@pytest.mark.parametrize("x", ARRAYS.values(), ids=ARRAYS.keys())
@pytest.mark.parametrize("fill", [0, 1.5])
def test_full_like(x, fill):
    check_op("full_like", x, fill)


def test_empty_like_keeps_shape_and_dtype():
    for x in ARRAYS.values():
        out = ops.empty_like(x)
        assert tuple(out.shape) == x.shape and str(out.dtype) == f"torch.{x.dtype}"
    symbolic = ops.empty_like(sloi.Input((4,)), dtype="int32")
    assert symbolic.shape == (None, 4) and symbolic.dtype == torch.int32


@pytest.mark.parametrize("args", [(3,), (3, 4), (4, 3, 1), (3, 5, -2), (3, None, 2)])
@pytest.mark.parametrize("dtype", [None, "int32", "bool"])
def test_eye_and_tri(args, dtype):
    check_op("eye", *args, dtype=dtype, symbolic=False)
    check_op("tri", *args, dtype=dtype, symbolic=False)


@pytest.mark.parametrize("dtype", [None, "int32", "float32"])
def test_identity(dtype):
    check_op("identity", 4, dtype=dtype, symbolic=False)


@pytest.mark.parametrize("name", ["tril", "triu"])
@pytest.mark.parametrize("x", [F32, I32, B, RNG.standard_normal((2, 3, 4)).astype("float32")])
@pytest.mark.parametrize("k", [0, 1, -1])
def test_triangles(name, x, k):
    check_op(name, x, k=k)


@pytest.mark.parametrize("x", [F32, I32, F32[0], I32[1]], ids=["f2", "i2", "f1", "i1"])
@pytest.mark.parametrize("k", [0, 1, -2])
def test_diag_and_diagflat(x, k):
    check_op("diag", x, k=k, batch_none=False)
    check_op("diagflat", x, k=k, batch_none=False)


@pytest.mark.parametrize("x", [F32, I32, RNG.standard_normal((2, 3, 4)).astype("float32")])
@pytest.mark.parametrize("kw", [{}, {"offset": 1}, {"offset": -1, "axis1": 1, "axis2": 0},
                                {"axis1": -1, "axis2": -2}])
def test_diagonal(x, kw):
    check_op("diagonal", x, batch_none=x.ndim > 2 and kw.get("axis1") == -1, **kw)


@pytest.mark.parametrize("x", [F32[0], I32[0], np.array([1, 2, 3], "int32")],
                         ids=["f32", "i32", "small"])
@pytest.mark.parametrize("kw", [{}, {"N": 2}, {"increasing": True}])
def test_vander(x, kw):
    check_op("vander", x, batch_none=False, rtol=1e-5, **kw)


@pytest.mark.parametrize("name", ["bartlett", "blackman", "hamming", "hanning"])
@pytest.mark.parametrize("n", [1, 5, 8])
def test_windows(name, n):
    check_op(name, n, symbolic=False)


@pytest.mark.parametrize("n", [1, 6])
@pytest.mark.parametrize("beta", [0.0, 5.0])
def test_kaiser(n, beta):
    check_op("kaiser", n, beta, symbolic=False, rtol=1e-5)


@pytest.mark.parametrize("indexing", ["xy", "ij"])
@pytest.mark.parametrize("n", [2, 3])
def test_meshgrid(indexing, n):
    vectors = [F32[0], F32[1, :3], np.arange(2, dtype="float32")][:n]
    check_op("meshgrid", *vectors, indexing=indexing, batch_none=False)
    check_op("meshgrid", *[I32[0], I32[1, :3]][:n], indexing=indexing, batch_none=False)


def test_meshgrid_keeps_each_dtype_where_keras_torch_refuses():
    grids = ops.meshgrid(F32[0], I32[1, :3], indexing="ij")
    for ours, expected in zip(grids, np.meshgrid(F32[0], I32[1, :3], indexing="ij")):
        assert ours.dtype == torch.from_numpy(expected).dtype
        np.testing.assert_array_equal(ours.numpy(), expected)


@pytest.mark.parametrize("x", [[1, 2, 3], [[1.0, 2.0]], F32, I32, B], ids=str)
@pytest.mark.parametrize("dtype", [None, "float32", "int32"])
def test_array(x, dtype):
    check_op("array", x, dtype=dtype, symbolic=isinstance(x, np.ndarray))


@pytest.mark.parametrize("name,args,kwargs", [
    ("tril", (F32,), {"k": 1}), ("triu", (I32,), {"k": -1}), ("diag", (F32,), {"k": 1}),
    ("diagonal", (F32,), {"offset": 1}), ("diagflat", (F32[0],), {"k": -1}),
    ("zeros_like", (F32,), {"dtype": "int32"}), ("ones_like", (I32,), {}),
    ("full_like", (F32, 2.0), {}), ("vander", (F32[0],), {"N": 3}),
    ("meshgrid", (F32[0], F32[1]), {"indexing": "ij"}), ("array", (I32,), {"dtype": "float32"}),
])
def test_ops_rebuild_from_keras_configs(name, args, kwargs):
    check_keras_config(name, *args, **kwargs)
