"""Products (``sloi/ops/numpy/products.py``) against Keras 3's torch backend."""

import keras
import numpy as np
import pytest
import torch

from sloi import ops
from sloi.engine.symbolic import SymbolicTensor
from tests.ops.keras_configs import check_keras_config
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(4)


def _f(*shape):
    return RNG.standard_normal(shape).astype("float32")


def _i(*shape):
    return RNG.integers(-4, 5, shape).astype("int32")


PAIRS = {"ff": (_f, _f), "fi": (_f, _i), "ii": (_i, _i)}


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (3, 4)), ((2, 3), (3,)), ((), (2, 3)),
                                    ((2, 2, 3), (3, 2))])
def test_dot(pair, shapes):
    a, b = (make(*s) for make, s in zip(PAIRS[pair], shapes))
    check_op("dot", a, b, rtol=1e-5, batch_none=False, symbolic=len(shapes[0]) <= 2)


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("shapes", [((3,), (3,)), ((2, 3), (4, 3)), ((2, 2, 3), (3,))])
def test_inner(pair, shapes):
    a, b = (make(*s) for make, s in zip(PAIRS[pair], shapes))
    check_op("inner", a, b, rtol=1e-5, batch_none=False)


@pytest.mark.parametrize("pair", PAIRS)
def test_vdot(pair):
    a, b = (make(4) for make in PAIRS[pair])
    check_op("vdot", a, b, rtol=1e-5, batch_none=False)


def test_vdot_flattens_matrices_as_numpy():
    a, b = _f(2, 3), _f(2, 3)
    np.testing.assert_allclose(ops.vdot(a, b).numpy(), np.vdot(a, b), rtol=1e-5)


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("shapes,axes", [(((2, 3, 4), (3, 4, 5)), 2), (((2, 3), (3, 4)), 1),
                                         (((2, 3, 4), (4, 3)), ((1, 2), (1, 0))),
                                         (((2, 3), (4, 3)), (1, 1)), (((2,), (3,)), 0)])
def test_tensordot(pair, shapes, axes):
    a, b = (make(*s) for make, s in zip(PAIRS[pair], shapes))
    # Keras's symbolic Tensordot takes no pair of single axes
    out = check_op("tensordot", a, b, axes=axes, rtol=1e-5, batch_none=False,
                   symbolic=axes != (1, 1))
    symbolic = ops.tensordot(SymbolicTensor(a.shape, str(a.dtype)),
                             SymbolicTensor(b.shape, str(b.dtype)), axes=axes)
    assert symbolic.shape == out.shape


@pytest.mark.parametrize("pair", PAIRS)
@pytest.mark.parametrize("shapes", [((3,), (4,)), ((2, 2), (3,))])
def test_outer_and_kron(pair, shapes):
    a, b = (make(*s) for make, s in zip(PAIRS[pair], shapes))
    check_op("outer", a, b, batch_none=False)
    check_op("kron", a, b, batch_none=False, symbolic=len(shapes[0]) == len(shapes[1]))


@pytest.mark.parametrize("pair", ["ff", "ii"])
@pytest.mark.parametrize("shapes,axis", [(((4, 3), (4, 3)), None), (((3,), (3,)), None),
                                         (((3, 2), (3, 2)), 0)])
def test_cross(pair, shapes, axis):
    a, b = (make(*s) for make, s in zip(PAIRS[pair], shapes))
    check_op("cross", a, b, axis=axis, rtol=1e-5, batch_none=False)


@pytest.mark.parametrize("kwargs", [{"axisa": 0}, {"axisa": 0, "axisb": 0, "axisc": 0}])
def test_cross_axes_keras_torch_refuses_follow_numpy(kwargs):
    a, b = _f(3, 4), _f(3, 4) if "axisb" in kwargs else _f(4, 3)
    np.testing.assert_allclose(ops.cross(a, b, **kwargs).numpy(), np.cross(a, b, **kwargs),
                               rtol=1e-5, atol=1e-6)
    a2, b2 = _f(5, 2), _f(5, 2)  # 2-vectors and broadcasting, as numpy
    np.testing.assert_allclose(ops.cross(a2, b2).numpy(), np.cross(a2, b2), rtol=1e-5)
    a3, b3 = _f(2, 3), _f(3)
    np.testing.assert_allclose(ops.cross(a3, b3).numpy(), np.cross(a3, b3), rtol=1e-5)


@pytest.mark.parametrize("subscripts,shapes", [
    ("ij,jk->ik", ((2, 3), (3, 4))), ("bij,bjk->bik", ((2, 3, 4), (2, 4, 5))),
    ("ii->i", ((3, 3),)), ("ij->", ((2, 3),)), ("i,i->", ((4,), (4,))),
    ("...ij,...j->...i", ((2, 3, 4), (2, 4))),
])
@pytest.mark.parametrize("make", [_f, _i], ids=["float32", "int32"])
def test_einsum(subscripts, shapes, make):
    check_op("einsum", subscripts, *[make(*s) for s in shapes], rtol=1e-5,
             batch_none=subscripts.startswith("b"))


def test_einsum_takes_subscripts_by_name_and_refuses_options():
    a, b = _f(2, 3), _f(3, 4)
    np.testing.assert_allclose(ops.einsum(a, b, subscripts="ij,jk->ik").numpy(), a @ b,
                               rtol=1e-5)
    with pytest.raises(ValueError, match="optimize"):
        ops.einsum("ij,jk->ik", a, b, optimize=True)


def test_einsum_of_int8_gives_int32():
    a = RNG.integers(-100, 100, (3, 4)).astype("int8")
    out = check_op("einsum", "ij,jk->ik", a, a.T.copy(), batch_none=False)
    assert out.dtype == torch.int32


@pytest.mark.parametrize("x", [_f(3, 3), _i(3, 3), RNG.random((2, 3, 3)) > 0.5,
                               _f(2, 3, 4)], ids=["f", "i", "b", "f3"])
@pytest.mark.parametrize("kwargs", [{}, {"offset": 1}, {"offset": -1, "axis1": 1, "axis2": 2}])
def test_trace(x, kwargs):
    if x.ndim == 2 and "axis2" in kwargs:
        kwargs = {"offset": -1}
    check_op("trace", x, batch_none=False, **kwargs)


@pytest.mark.parametrize("shape", [(3, 3), (2, 4, 4)])
def test_slogdet(shape):
    # Keras's symbolic Slogdet drops batch axes: sloi keeps them, as its eager result does
    out = check_op("slogdet", _f(*shape), rtol=1e-5, atol=1e-5, symbolic=len(shape) == 2,
                   batch_none=False)
    symbolic = ops.slogdet(SymbolicTensor((None,) + shape[1:]) if len(shape) == 3
                           else SymbolicTensor(shape))
    assert [s.shape for s in symbolic] == [(None,) * (len(shape) - 2)] * 2
    assert all(o.shape == shape[:-2] for o in out)


@pytest.mark.parametrize("mode", ["valid", "same", "full"])
@pytest.mark.parametrize("lengths", [(6, 3), (5, 4), (3, 6)])
@pytest.mark.parametrize("pair", ["ff", "ii"])
def test_correlate(mode, lengths, pair):
    a, b = (make(n) for make, n in zip(PAIRS[pair], lengths))
    if mode == "same" and lengths[0] < lengths[1]:
        return  # Keras's torch eager result has x1's length here: see the numpy test
    check_op("correlate", a, b, mode=mode, rtol=1e-5, atol=1e-5, batch_none=False)


@pytest.mark.parametrize("lengths", [(7, 3), (3, 6), (4, 4)])
def test_correlate_matches_numpy(lengths):
    # where Keras's torch backend differs from numpy and from its own symbolic shapes
    # ("same" with a longer x2, "valid" of equal lengths squeezed to a scalar), sloi
    # follows numpy
    a, b = _f(lengths[0]), _f(lengths[1])
    for mode in ("valid", "same", "full"):
        np.testing.assert_allclose(ops.correlate(a, b, mode=mode).numpy(),
                                   np.correlate(a, b, mode=mode), rtol=1e-5, atol=1e-5)


def test_vectorize_elementwise_and_with_a_signature():
    def clip_sum(x, y):
        return torch.clamp(x + y, -1.0, 1.0)

    a, b = _f(3, 4), _f(4)
    ours = ops.vectorize(clip_sum)(a, b)
    theirs = keras.ops.vectorize(clip_sum)(a, b)
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=1e-6)

    def dot(x, y):
        return torch.sum(x * y)

    ours = ops.vectorize(dot, signature="(n),(n)->()")(_f(2, 3, 5)[..., :5], a[0, :1] * 0 + _f(5))
    assert ours.shape == (2, 3)
    a3, b3 = _f(2, 3, 5), _f(5)
    np.testing.assert_allclose(ops.vectorize(dot, signature="(n),(n)->()")(a3, b3).numpy(),
                               keras.ops.vectorize(dot, signature="(n),(n)->()")(a3, b3).numpy(),
                               rtol=1e-5)


def test_vectorize_leaves_excluded_arguments_alone():
    def scale(x, factor):
        return x * factor

    out = ops.vectorize(scale, excluded={1})(_f(2, 3), 3.0)
    assert out.shape == (2, 3)
    with pytest.raises(ValueError, match="not a gufunc signature"):
        ops.vectorize(scale, signature="(n->)")(_f(2), _f(2))


@pytest.mark.parametrize("name,args,kwargs", [
    ("einsum", ("ij,jk->ik", _f(2, 3), _f(3, 4)), {}), ("dot", (_f(2, 3), _f(3, 4)), {}),
    ("tensordot", (_f(2, 3), _f(3, 4)), {"axes": 1}), ("trace", (_f(3, 3),), {"offset": 1}),
    ("cross", (_f(4, 3), _f(4, 3)), {}), ("correlate", (_f(6), _f(3)), {"mode": "full"}),
    ("outer", (_f(3), _f(2)), {}), ("kron", (_f(2, 2), _f(2, 2)), {}),
    ("inner", (_f(3), _f(3)), {}), ("vdot", (_f(3), _f(3)), {}), ("slogdet", (_f(3, 3),), {}),
])
def test_ops_rebuild_from_keras_configs(name, args, kwargs):
    check_keras_config(name, *args, rtol=1e-5, **kwargs)
