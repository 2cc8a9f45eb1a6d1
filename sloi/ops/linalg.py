"""``keras.ops.linalg``: decompositions, inverses, solvers, norms and forward-mode derivatives,
on torch tensors.

Each op follows Keras 3 on its torch backend: the same arguments, dtypes and numbers, computed
by the one ``torch.linalg`` routine Keras calls. Matrices are the last two axes; any leading
axes are a batch.
"""

from __future__ import annotations

import torch

from sloi.engine.operation import keras_op
from sloi.ops.op_inputs import axes as _axes
from sloi.ops.op_inputs import convert_to_tensor, result_type, standardize_dtype

__all__ = [
    "cholesky", "cholesky_inverse", "det", "eig", "eigh", "inv", "jvp", "lstsq", "lu_factor",
    "matrix_rank", "norm", "pinv", "qr", "solve", "solve_triangular", "svd",
]


def _matrices(op: str, x, square: bool = False) -> torch.Tensor:
    """``x`` as a tensor of matrices ``(..., M, N)``; a clear error otherwise."""
    x = convert_to_tensor(x)
    if x.dim() < 2:
        raise ValueError(f"{op}: `x` must have rank >= 2 (..., M, N); got shape "
                         f"{tuple(x.shape)}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{op}: `x` must be square matrices (..., M, M); got shape "
                         f"{tuple(x.shape)}")
    return x


def _system(op: str, a, b) -> tuple[torch.Tensor, torch.Tensor]:
    """``a (..., M, M)`` and a right-hand side ``b (..., M)`` or ``(..., M, N)`` that fits."""
    a, b = _matrices(op, a, square=True), convert_to_tensor(b)
    if b.dim() < 1:
        raise ValueError(f"{op}: `b` must have rank >= 1; got a scalar")
    rows = b.shape[-2] if b.dim() == a.dim() else b.shape[-1]
    if b.dim() in (a.dim(), a.dim() - 1) and rows != a.shape[-2]:
        raise ValueError(f"{op}: `a` and `b` do not fit: a.shape={tuple(a.shape)}, "
                         f"b.shape={tuple(b.shape)}")
    return a, b


# ============================================================================ decompositions
@keras_op(module="linalg")
def cholesky(x, upper=False):
    """Cholesky factor of symmetric positive-definite matrices: lower ``L`` with ``x = L L^T``
    (upper ``U = L^T`` when ``upper``)."""
    x = _matrices("cholesky", x, square=True)
    try:
        return torch.linalg.cholesky(x, upper=upper)
    except torch.linalg.LinAlgError as e:  # Keras reports a failed factorization so
        raise ValueError(f"Cholesky decomposition failed: {e}") from None


@keras_op(module="linalg")
def cholesky_inverse(x, upper=False):
    """Inverse of ``L L^T`` from its Cholesky factor ``x`` (``U^T U`` when ``upper``)."""
    return torch.cholesky_inverse(_matrices("cholesky_inverse", x, square=True), upper=upper)


@keras_op(module="linalg")
def eig(x):
    """Eigenvalues ``(..., M)`` and eigenvectors ``(..., M, M)`` of square matrices (complex,
    as torch gives them)."""
    return torch.linalg.eig(_matrices("eig", x, square=True))


@keras_op(module="linalg")
def eigh(x):
    """Eigenvalues (ascending) and orthonormal eigenvectors of symmetric matrices; only the
    lower triangle is read."""
    return torch.linalg.eigh(_matrices("eigh", x, square=True))


@keras_op(module="linalg")
def lu_factor(x):
    """LU factorization with partial pivoting: ``(LU, pivots)``, ``L`` (unit diagonal) and
    ``U`` packed in one matrix, the pivots 0-based as in Keras."""
    lu, pivots = torch.linalg.lu_factor(_matrices("lu_factor", x))
    return lu, pivots - 1  # LAPACK counts rows from 1


@keras_op(module="linalg")
def qr(x, mode="reduced"):
    """QR decomposition ``x = Q R``: ``Q (..., M, K)``, ``R (..., K, N)`` with ``K = min(M,
    N)`` ("reduced"), or ``Q (..., M, M)``, ``R (..., M, N)`` ("complete")."""
    if mode not in ("reduced", "complete"):
        raise ValueError(f'qr: `mode` must be "reduced" or "complete"; got {mode!r}')
    return torch.linalg.qr(_matrices("qr", x), mode=mode)


@keras_op(module="linalg", class_name="SVD")
def svd(x, full_matrices=True, compute_uv=True):
    """Singular value decomposition ``x = U diag(S) V^H``: ``(U, S, V^H)``, or only the
    singular values (descending) when not ``compute_uv``."""
    x = _matrices("svd", x)
    if not compute_uv:
        return torch.linalg.svdvals(x)
    return torch.linalg.svd(x, full_matrices=full_matrices)


# ============================================================================ inverses
@keras_op(module="linalg")
def det(x):
    """Determinants ``(...)`` of square matrices ``(..., M, M)``."""
    return torch.det(_matrices("det", x, square=True))


@keras_op(module="linalg")
def inv(x):
    """Inverses of square matrices."""
    return torch.linalg.inv(_matrices("inv", x, square=True))


@keras_op(module="linalg")
def pinv(x, rcond=None):
    """Moore-Penrose pseudo-inverses ``(..., N, M)``; singular values below ``rcond`` times
    the largest count as zero (None: torch's default)."""
    return torch.linalg.pinv(_matrices("pinv", x), rtol=rcond)


@keras_op(module="linalg")
def matrix_rank(x, tol=None):
    """Ranks ``(...)`` (int32): the singular values above ``tol`` (None: torch's default,
    ``max(M, N) * eps * largest``)."""
    return torch.linalg.matrix_rank(_matrices("matrix_rank", x), atol=tol).to(torch.int32)


# ============================================================================ solvers
@keras_op(module="linalg")
def solve(a, b):
    """``x`` with ``a @ x = b``, for square ``a (..., M, M)`` and ``b (..., M)`` or ``(...,
    M, N)``."""
    a, b = _system("solve", a, b)
    return torch.linalg.solve(a, b)


@keras_op(module="linalg")
def solve_triangular(a, b, lower=False):
    """``x`` with ``a @ x = b`` for triangular ``a`` (upper unless ``lower``; the other
    triangle is not read)."""
    a, b = _system("solve_triangular", a, b)
    if b.dim() == a.dim() - 1:  # a vector right-hand side: torch wants a column
        return torch.linalg.solve_triangular(a, b.unsqueeze(-1), upper=not lower).squeeze(-1)
    return torch.linalg.solve_triangular(a, b, upper=not lower)


@keras_op(module="linalg")
def lstsq(a, b, rcond=None):
    """Least-squares solution ``x (N,)`` or ``(N, K)`` of ``a (M, N) @ x = b``; singular
    values of ``a`` below ``rcond`` times the largest count as zero."""
    a, b = convert_to_tensor(a), convert_to_tensor(b)
    if a.dim() != 2 or b.dim() not in (1, 2) or b.shape[0] != a.shape[0]:
        raise ValueError("lstsq: `a` must be (M, N) and `b` (M,) or (M, K); got "
                         f"a.shape={tuple(a.shape)}, b.shape={tuple(b.shape)}")
    if rcond is None:
        return torch.linalg.lstsq(a, b)[0]
    if a.device.type == "cuda":  # CUDA's only driver has no cut-off: go through the SVD
        return torch.linalg.pinv(a, rtol=rcond) @ b
    # the SVD driver reads rcond as numpy does (the default QR driver does not)
    return torch.linalg.lstsq(a, b, rcond=rcond, driver="gelsd")[0]


# ============================================================================ norms
@keras_op(module="linalg")
def norm(x, ord=None, axis=None, keepdims=False):
    """Vector norm over one axis or matrix norm over two (``ord`` as in numpy: None, ``"fro"``,
    ``"nuc"``, numbers, ``inf``); None: the 2-norm of ``x`` flattened."""
    x = convert_to_tensor(x)
    if isinstance(ord, str) and ord not in ("fro", "nuc"):
        raise ValueError(f'norm: a string `ord` must be "fro" or "nuc"; got {ord!r}')
    # int64 goes to floatx, other ints and bools to float32, floats stay
    dtype = standardize_dtype(None) if x.dtype == torch.int64 else result_type(x.dtype, float)
    dims = _axes(axis, x.dim())
    return torch.linalg.norm(x.to(dtype), ord=ord, dim=dims, keepdim=keepdims)


# ============================================================================ derivatives
@keras_op(module="linalg", class_name="JVP")
def jvp(fun, primals, tangents, has_aux=False):
    """Forward-mode Jacobian-vector product: ``(fun(*primals), J(primals) @ tangents)``, and
    ``fun``'s auxiliary output third when ``has_aux``."""
    primals = tuple(convert_to_tensor(p) for p in primals)
    tangents = tuple(convert_to_tensor(t) for t in tangents)
    return torch.func.jvp(fun, primals, tangents, has_aux=has_aux)
