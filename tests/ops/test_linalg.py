"""``sloi.ops.linalg`` against Keras 3's ``keras.ops.linalg`` (torch backend): values, dtypes,
shapes and symbolic shapes. Decompositions whose signs or order are not unique (eig, svd's
vectors) are compared through what they reconstruct."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import ops
from tests.ops.op_parity import check_op, check_symbolic

RNG = np.random.default_rng(3)
SHAPES = [(3, 3), (2, 4, 4)]
RECT = [(4, 3), (3, 5), (2, 4, 3)]


def normal(*shape, dtype="float32"):
    return RNG.standard_normal(shape).astype(dtype)


def spd(shape, dtype="float32"):
    """Symmetric positive-definite matrices of ``shape``."""
    a = RNG.standard_normal(shape)
    return (a @ np.swapaxes(a, -1, -2) + shape[-1] * np.eye(shape[-1])).astype(dtype)


def batch_none(shape):
    return len(shape) > 2  # a None batch only where there is a batch axis


def test_linalg_is_a_submodule_and_top_level():
    assert sloi.ops.linalg.qr is sloi.ops.qr
    assert not hasattr(sloi.ops, "resize")  # image ops only under sloi.ops.image


@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("upper", [False, True])
def test_cholesky_and_its_inverse_match_keras(shape, dtype, upper):
    x = spd(shape, dtype)
    check_op("cholesky", x, upper=upper, rtol=1e-5, batch_none=batch_none(shape))
    factor = np.linalg.cholesky(x)
    factor = np.swapaxes(factor, -1, -2) if upper else factor
    check_op("cholesky_inverse", factor.astype(dtype), upper=upper, rtol=1e-5, atol=1e-5,
             batch_none=batch_none(shape))


@pytest.mark.parametrize("name", ["det", "inv"])
@pytest.mark.parametrize("shape", SHAPES)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_det_and_inv_match_keras(name, shape, dtype):
    check_op(name, spd(shape, dtype), rtol=1e-5, atol=1e-6, batch_none=batch_none(shape))


@pytest.mark.parametrize("shape", SHAPES)
def test_eigh_matches_keras(shape):
    x = spd(shape)
    values, vectors = check_op("eigh", x, rtol=1e-5, atol=1e-5, batch_none=batch_none(shape),
                               check_values=False)
    theirs = keras.ops.eigh(x)
    np.testing.assert_allclose(values.numpy(), theirs[0].numpy(), rtol=1e-5)
    # eigenvectors are defined up to sign: compare V diag(w) V^T
    rebuilt = vectors @ torch.diag_embed(values) @ vectors.mT
    np.testing.assert_allclose(rebuilt.numpy(), x, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("shape", SHAPES)
def test_eig_matches_keras(shape):
    x = normal(*shape)
    values, vectors = ops.eig(x)
    theirs = keras.ops.eig(x)
    assert values.dtype == theirs[0].dtype and values.shape == theirs[0].shape
    assert vectors.shape == theirs[1].shape
    # eigenvalues come out in LAPACK's order, the vectors up to a complex scale: rebuild x
    np.testing.assert_allclose(values.numpy(), theirs[0].numpy(), rtol=1e-5, atol=1e-5)
    rebuilt = vectors @ torch.diag_embed(values) @ torch.linalg.inv(vectors)
    np.testing.assert_allclose(rebuilt.real.numpy(), x, rtol=1e-4, atol=1e-4)
    check_symbolic("eig", x, batch_none=batch_none(shape))


@pytest.mark.parametrize("shape", SHAPES + RECT)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lu_factor_matches_keras(shape, dtype):
    check_op("lu_factor", normal(*shape, dtype=dtype), rtol=1e-5, atol=1e-6,
             batch_none=batch_none(shape))


@pytest.mark.parametrize("shape", SHAPES + RECT)
@pytest.mark.parametrize("mode", ["reduced", "complete"])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_qr_matches_keras(shape, mode, dtype):
    # Householder QR is deterministic (R's diagonal signs fixed by LAPACK): compare directly
    check_op("qr", normal(*shape, dtype=dtype), mode=mode, rtol=1e-5, atol=1e-5,
             batch_none=batch_none(shape))


@pytest.mark.parametrize("shape", SHAPES + RECT)
@pytest.mark.parametrize("full_matrices", [True, False])
def test_svd_matches_keras(shape, full_matrices):
    x = normal(*shape)
    u, s, vh = check_op("svd", x, full_matrices=full_matrices, check_values=False,
                        batch_none=batch_none(shape))
    theirs = keras.ops.svd(x, full_matrices=full_matrices)
    np.testing.assert_allclose(s.numpy(), theirs[1].numpy(), rtol=1e-5, atol=1e-6)
    k = s.shape[-1]
    # singular vectors are defined up to sign: compare U diag(S) V^H
    rebuilt = u[..., :k] @ torch.diag_embed(s) @ vh[..., :k, :]
    np.testing.assert_allclose(rebuilt.numpy(), x, rtol=1e-4, atol=1e-4)
    check_op("svd", x, compute_uv=False, rtol=1e-5, atol=1e-6, batch_none=batch_none(shape))


@pytest.mark.parametrize("shape", SHAPES + RECT)
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_pinv_and_matrix_rank_match_keras(shape, dtype):
    x = normal(*shape, dtype=dtype)
    check_op("pinv", x, rtol=1e-5, atol=1e-5, batch_none=batch_none(shape))
    check_op("pinv", x, rcond=0.5, rtol=1e-5, atol=1e-5, batch_none=batch_none(shape))
    low_rank = x[..., :1] @ x[..., :1, :]  # rank one
    check_op("matrix_rank", x, batch_none=batch_none(shape))
    check_op("matrix_rank", low_rank, batch_none=batch_none(shape))
    check_op("matrix_rank", x, tol=0.5, batch_none=batch_none(shape))


@pytest.mark.parametrize("a_shape,b_shape", [((3, 3), (3,)), ((3, 3), (3, 2)),
                                             ((2, 4, 4), (2, 4)), ((2, 4, 4), (2, 4, 3))])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_solvers_match_keras(a_shape, b_shape, dtype):
    a, b = spd(a_shape, dtype), normal(*b_shape, dtype=dtype)
    none = batch_none(a_shape)
    check_op("solve", a, b, rtol=1e-5, atol=1e-6, batch_none=none)
    for lower in (False, True):
        tri = np.tril(a) if lower else np.triu(a)
        check_op("solve_triangular", tri, b, lower=lower, rtol=1e-5, atol=1e-6,
                 batch_none=none)


@pytest.mark.parametrize("a_shape,b_shape", [((5, 3), (5,)), ((5, 3), (5, 2)),
                                             ((3, 3), (3, 2))])
@pytest.mark.parametrize("rcond", [None, 1e-3])
@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_lstsq_matches_keras(a_shape, b_shape, rcond, dtype):
    check_op("lstsq", normal(*a_shape, dtype=dtype), normal(*b_shape, dtype=dtype),
             rcond=rcond, rtol=1e-5, atol=1e-5, batch_none=False)


@pytest.mark.parametrize("ord_,axis", [(None, None), (None, 1), (1, 0), (2, -1), (np.inf, 1),
                                       (-np.inf, 0), (0, 1), (3, 1), ("fro", None),
                                       ("nuc", None), (2, (0, 1)), (-2, (0, 1)),
                                       (1, (1, 0)), (np.inf, None)])
@pytest.mark.parametrize("keepdims", [False, True])
@pytest.mark.parametrize("dtype", ["float32", "float64", "int32", "int64"])
def test_norm_matches_keras(ord_, axis, keepdims, dtype):
    x = (normal(3, 4) * 3).astype(dtype)
    reduces_batch = axis is None or 0 in np.atleast_1d(axis)
    check_op("norm", x, ord=ord_, axis=axis, keepdims=keepdims, rtol=1e-5,
             batch_none=not reduces_batch)


def test_norm_of_a_batch_of_matrices_matches_keras():
    x = normal(2, 3, 4)
    check_op("norm", x, ord="fro", axis=(1, 2), rtol=1e-6)
    check_op("norm", x, axis=-1, keepdims=True, rtol=1e-6)


@pytest.mark.parametrize("has_aux", [False, True])
def test_jvp_matches_keras(has_aux):
    x, t = torch.tensor(normal(3, 2)), torch.tensor(normal(3, 2))

    def fun(a):
        y = torch.sin(a) * a.sum()
        return (y, a.cos()) if has_aux else y

    ours = ops.jvp(fun, (x,), (t,), has_aux=has_aux)
    theirs = keras.ops.jvp(fun, (x,), (t,), has_aux=has_aux)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.numpy(), rtol=1e-6, atol=1e-6)
    # the tangent written out: d/dt [sin(x + t h) * sum(x + t h)] at 0
    expected = torch.cos(x) * t * x.sum() + torch.sin(x) * t.sum()
    np.testing.assert_allclose(ours[1].numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)


def test_jvp_records_an_op_node():
    x = sloi.Input((3,))
    primal, tangent = ops.jvp(torch.sin, (x,), (x,))
    theirs = keras.ops.jvp(keras.ops.sin, (keras.Input((3,)),), (keras.Input((3,)),))
    assert tuple(primal.shape) == tuple(theirs[0].shape) == tuple(tangent.shape)


@pytest.mark.parametrize("name,shape", [("cholesky", (3, 4)), ("det", (3,)), ("inv", (2, 3)),
                                        ("svd", (3,)), ("qr", (4,))])
def test_bad_shapes_are_clear_errors(name, shape):
    with pytest.raises(ValueError, match=name):
        getattr(ops, name)(normal(*shape))


def test_bad_arguments_are_clear_errors():
    with pytest.raises(ValueError, match="mode"):
        ops.qr(normal(3, 3), mode="r")
    with pytest.raises(ValueError, match="ord"):
        ops.norm(normal(3, 3), ord="max")
    with pytest.raises(ValueError, match="do not fit"):
        ops.solve(spd((3, 3)), normal(4))
    with pytest.raises(ValueError, match="Cholesky"):
        ops.cholesky(-np.eye(3, dtype="float32"))
