"""Reductions and statistics (``sloi/ops/numpy/reductions.py``) against Keras 3's
``keras.ops`` on its torch backend: values, dtypes and shapes eagerly, output shapes
symbolically; and a functional model of them that predicts, saves and loads."""

import numpy as np
import pytest
import torch

import sloi
from sloi import ops
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(1)


def _data(shape, dtype, nans=False):
    if dtype == "bool":
        return RNG.integers(0, 2, shape).astype(bool)
    if dtype.startswith("int"):
        return np.asarray(RNG.integers(-5, 6, shape)).astype(dtype)
    x = np.asarray(RNG.standard_normal(shape)).astype(dtype)
    if nans and x.size > 2:
        x.reshape(-1)[[0, x.size // 2]] = np.nan
    return x


# axis / keepdims variants; Keras's torch backend drops keepdims for axis=None in some ops,
# those are checked against numpy below
AXES = [dict(), dict(axis=1), dict(axis=-1, keepdims=True), dict(axis=(0, 2)),
        dict(axis=[2, 0], keepdims=True)]
REDUCTIONS = {
    "sum": ("float32", "int32", "bool", "float16", "float64", "int8"),
    "prod": ("float32", "int32", "bool", "float16", "int64"),
    "mean": ("float32", "int32", "bool", "float16", "float64"),
    "var": ("float32", "int32", "bool", "float64"), "std": ("float32", "int32", "bool"),
    "amax": ("float32", "int32", "bool"), "amin": ("float32", "int32", "bool"),
    "max": ("float32", "int32", "bool"), "min": ("float32", "int32", "bool"),
    "ptp": ("float32", "int32"), "all": ("float32", "int32", "bool"),
    "any": ("float32", "int32", "bool"), "median": ("float32", "int32", "float64"),
    "nansum": ("float32", "int32", "bool"), "nanprod": ("float32", "int32"),
    "nanmean": ("float32", "int32"), "nanvar": ("float32", "int32"), "nanstd": ("float32",),
    "nanmax": ("float32", "int32"), "nanmin": ("float32", "int32"),
    "nanmedian": ("float32", "int32"),
}
NAN_OPS = {"nansum", "nanprod", "nanmean", "nanvar", "nanstd", "nanmax", "nanmin",
           "nanmedian"}


@pytest.mark.parametrize("kwargs", AXES, ids=str)
@pytest.mark.parametrize("name, dtype", [(n, d) for n, ds in REDUCTIONS.items() for d in ds])
def test_reductions_match_keras(name, dtype, kwargs):
    x = _data((2, 3, 4), dtype, nans=name in NAN_OPS)
    # float16 results are rounded from float32 accumulations whose order may differ (1e-3
    # is float16's resolution); var/std subtract a mean first, which loses a few float32 bits
    tol = 2e-3 if dtype == "float16" else 1e-5 if name in ("var", "std", "nanvar",
                                                           "nanstd") else 1e-6
    check_op(name, x, rtol=tol, atol=tol, **kwargs)


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
@pytest.mark.parametrize("shape", [(), (5,)], ids=str)
def test_reductions_of_scalars_and_vectors_match_keras(name, shape):
    check_op(name, _data(shape, "float32", nans=name in NAN_OPS))
    check_op(name, _data(shape, "float32"), axis=0 if shape else None)


# ops where Keras's torch backend returns a 0-d tensor for axis=None, keepdims=True
# (its own compute_output_spec says every axis is kept, as numpy does; sloi keeps them)
KEEPDIMS_DROPPED_BY_KERAS = {"sum": np.sum, "prod": np.prod, "amax": np.amax,
                             "amin": np.amin, "max": np.max, "min": np.min, "ptp": np.ptp,
                             "nanprod": np.nanprod}


@pytest.mark.parametrize("name", sorted(REDUCTIONS))
def test_full_reduction_with_keepdims(name):
    x = _data((2, 3, 4), "float32", nans=name in NAN_OPS)
    if name in KEEPDIMS_DROPPED_BY_KERAS:
        out = getattr(ops, name)(x, axis=None, keepdims=True)
        assert out.shape == (1, 1, 1)
        np.testing.assert_allclose(out.numpy(), KEEPDIMS_DROPPED_BY_KERAS[name](
            x, axis=None, keepdims=True), rtol=1e-6)
    else:
        check_op(name, x, axis=None, keepdims=True)


@pytest.mark.parametrize("name", ["argmax", "argmin", "nanargmax", "nanargmin"])
@pytest.mark.parametrize("kwargs", [dict(), dict(axis=1), dict(axis=-1, keepdims=True),
                                    dict(axis=0)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_arg_reductions_match_keras(name, kwargs, dtype):
    x = _data((2, 3, 4), dtype, nans=name.startswith("nan"))
    if dtype == "float32":
        x[1, :, 2] = np.nan if name.startswith("nan") else x[1, :, 2]  # an all-NaN slice
    check_op(name, x, **kwargs)


def test_max_and_min_with_initial_match_keras():
    x = _data((3, 4), "float32")
    check_op("max", x, axis=1, initial=0.5)
    check_op("min", x, axis=0, keepdims=True, initial=-0.5)
    check_op("max", np.zeros((0, 3), "float32"), initial=2.0, symbolic=False)
    with pytest.raises(ValueError, match="empty"):
        ops.max(np.zeros((0, 3), "float32"))


@pytest.mark.parametrize("shape, kwargs", [
    ((2, 3, 4), dict()), ((2, 3, 4), dict(axis=(0, 2))), ((2, 3, 4), dict(axis=[0, 1])),
    ((3, 4), dict(axis=1)), ((3, 4), dict(axis=-2)), ((5,), dict(axis=0)),
], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
@pytest.mark.filterwarnings("ignore::UserWarning")  # Keras's own x.T on non-2-D tensors
def test_count_nonzero_matches_keras(shape, kwargs, dtype):
    check_op("count_nonzero", _data(shape, dtype), **kwargs)


def test_count_nonzero_over_one_axis_of_3d_keeps_numpys_axis_order():
    # Keras's torch backend transposes this 2-D result (its compute_output_spec does not)
    x = _data((2, 3, 4), "int32")
    out = ops.count_nonzero(x, axis=1)
    np.testing.assert_array_equal(out.numpy(), np.count_nonzero(x, axis=1))
    assert out.dtype == torch.int32


RUNNING = [(name, dtype, kwargs)
           for name in ("cumsum", "cumprod", "nancumsum", "nancumprod")
           for dtype in ("float32", "int32", "bool", "float16", "float64")
           for kwargs in (dict(), dict(axis=1), dict(axis=-1, dtype="float32"),
                          dict(axis=0, dtype="int32"))
           if "dtype" not in kwargs or dtype in ("float32", "int32", "bool")]


@pytest.mark.parametrize("name, dtype, kwargs", RUNNING, ids=str)
def test_running_totals_match_keras(name, dtype, kwargs):
    x = _data((2, 3, 4), dtype, nans=name.startswith("nan"))
    # float16 is accumulated in float32 by both, then rounded: 1e-3 is float16's resolution
    check_op(name, x, rtol=2e-3 if dtype == "float16" else 1e-6, **kwargs)


@pytest.mark.parametrize("name", ["quantile", "nanquantile", "percentile", "nanpercentile"])
@pytest.mark.parametrize("q", [0.3, [0.1, 0.5, 0.9]], ids=["scalar_q", "vector_q"])
@pytest.mark.parametrize("kwargs", [dict(), dict(axis=1), dict(axis=(0, 2), keepdims=True),
                                    dict(axis=-1, method="nearest"),
                                    dict(axis=None, keepdims=True, method="midpoint"),
                                    dict(axis=0, method="lower"),
                                    dict(axis=2, method="higher", keepdims=True)], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_quantiles_match_keras(name, q, kwargs, dtype):
    x = _data((2, 3, 4), dtype, nans=name.startswith("nan"))
    q = np.asarray(q, "float32") * (100 if "percentile" in name else 1)
    check_op(name, x, q, batch_none=False, **kwargs)


@pytest.mark.parametrize("shape, axis, weights", [
    ((5,), None, None), ((2, 3, 4), None, None), ((2, 3, 4), 1, None),
    ((3, 4), -1, (4,)), ((3, 4), 1, (3, 4)), ((5,), None, (5,)), ((5,), 0, (5,)),
], ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_average_matches_keras(shape, axis, weights, dtype):
    x = _data(shape, dtype)
    w = None if weights is None else np.abs(_data(weights, "float32")) + 0.1
    check_op("average", x, axis=axis, weights=w, rtol=1e-5, batch_none=False)


def test_average_weights_along_other_axes_follow_numpy():
    # Keras's torch backend divides by the weights' sum over the last axis only; numpy's
    # definition holds for every axis
    x = _data((3, 4), "float32")
    w = np.abs(_data((3,), "float32")) + 0.1
    np.testing.assert_allclose(ops.average(x, axis=0, weights=w).numpy(),
                               np.average(x, axis=0, weights=w), rtol=1e-6)
    w2 = np.abs(_data((3, 4), "float32")) + 0.1
    np.testing.assert_allclose(ops.average(x, axis=0, weights=w2).numpy(),
                               np.average(x, axis=0, weights=w2), rtol=1e-6)
    np.testing.assert_allclose(ops.average(x, weights=w2).numpy(),
                               np.average(x, weights=w2), rtol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(), dict(minlength=8)], ids=str)
@pytest.mark.parametrize("weighted", [False, True])
def test_bincount_matches_keras(kwargs, weighted):
    x = RNG.integers(0, 6, (10,)).astype("int32")
    w = RNG.random((10,)).astype("float32") if weighted else None
    # the output length is max(x) + 1 (at least minlength): data-dependent, None in both
    # symbolic shapes (the weights stay an array: its length must meet x's)
    check_op("bincount", x, weights=w, batch_none=not weighted, **kwargs)
    x2 = RNG.integers(0, 6, (3, 5)).astype("int32")
    w2 = RNG.random((3, 5)).astype("float32") if weighted else None
    check_op("bincount", x2, weights=w2, minlength=6, batch_none=False)


def test_bincount_refuses_sparse():
    with pytest.raises(ValueError, match="sparse"):
        ops.bincount(np.array([0, 1], "int32"), sparse=True)


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "int64", "float64"])
def test_corrcoef_matches_keras(dtype):
    # Keras's compute_output_spec gives the input's shape (3, 6) where the op returns
    # (3, 3): compared eagerly here, symbolically below
    check_op("corrcoef", _data((3, 6), dtype), rtol=1e-5, atol=1e-6, symbolic=False)


def test_corrcoef_of_symbolic_rows_has_the_eager_shape():
    assert ops.corrcoef(sloi.Input((6,), batch_size=3)).shape == (3, 3)


@pytest.mark.parametrize("kwargs", [dict(), dict(n=2), dict(axis=0), dict(n=2, axis=1)],
                         ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_diff_matches_keras(kwargs, dtype):
    check_op("diff", _data((3, 4, 5), dtype), **kwargs)


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_digitize_matches_keras(dtype):
    bins = np.array([-1.0, 0.0, 0.5, 2.0], "float32")
    check_op("digitize", _data((2, 3, 4), dtype), bins)


@pytest.mark.parametrize("kwargs", [dict(), dict(bins=4), dict(bins=5, range=(-1.0, 1.0))],
                         ids=str)
def test_histogram_matches_keras(kwargs):
    check_op("histogram", _data((20,), "float32"), **kwargs)


def test_histogram_refuses_bad_arguments_as_keras_does():
    x = _data((5,), "float32")
    with pytest.raises(TypeError):
        ops.histogram(x, bins=2.5)
    with pytest.raises(ValueError):
        ops.histogram(x, range=(1.0, 0.0))
    with pytest.raises(ValueError, match="1-dimensional"):
        ops.histogram(_data((2, 3), "float32"))


@pytest.mark.parametrize("kwargs", [dict(), dict(dx=0.5), dict(axis=0), dict(axis=1, dx=2)],
                         ids=str)
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
def test_trapezoid_matches_keras(kwargs, dtype):
    check_op("trapezoid", _data((3, 4, 5), dtype), rtol=1e-6, **kwargs)


def test_trapezoid_at_sample_points_matches_keras():
    y = _data((3, 5), "float32")
    x = np.sort(_data((5,), "float32"))
    check_op("trapezoid", y, x=x, symbolic=False)


def test_empty_axis_reduces_nothing_as_keras():
    x = _data((2, 3), "float32")
    for name in ("sum", "prod", "mean", "var", "amax", "all", "any", "nansum", "nanprod",
                 "count_nonzero", "ptp", "average"):
        check_op(name, x, axis=(), symbolic=False)


def test_a_functional_model_of_reductions_predicts_the_eager_result_and_round_trips(tmp_path):
    inputs = sloi.Input((6, 4))
    h = sloi.layers.Dense(4)(inputs)
    clipped = ops.clip(h, -0.5, 0.5)
    pooled = ops.mean(clipped, axis=1)
    spread = ops.std(h, axis=1, keepdims=False)
    peak = ops.max(ops.exp(clipped), axis=-1, keepdims=True)
    model = sloi.Model(inputs, ops.cumsum(pooled + spread, axis=-1) * peak[:, 0, :1])
    data = RNG.standard_normal((3, 6, 4)).astype("float32")

    t = torch.from_numpy(data)
    dense = model.layers[1]
    with torch.no_grad():
        ht = dense(t)
        c = torch.clip(ht, -0.5, 0.5)
        expected = torch.cumsum(c.mean(1) + ht.std(1, correction=0), -1) * \
            torch.exp(c).amax(-1, keepdim=True)[:, 0, :1]
    predicted = model.predict(data, verbose=0)
    np.testing.assert_allclose(predicted, expected.numpy(), rtol=1e-5, atol=1e-6)

    path = tmp_path / "reductions.sloi"
    model.save(path)
    restored = sloi.saving.load_model(path)
    np.testing.assert_allclose(restored.predict(data, verbose=0), predicted, rtol=1e-6)


@pytest.mark.parametrize("name", ["mean", "var", "std", "prod", "median", "nanmean",
                                  "nanvar", "nanstd", "nanmedian", "nansum", "argmax",
                                  "nanargmin", "amax", "average", "cumsum", "nancumprod"])
@pytest.mark.parametrize("dtype", ["float64", "int64"])
def test_reductions_of_64_bit_inputs_match_keras(name, dtype):
    # Keras computes some of these in float32 (its promotion has no 64-bit results) and
    # casts back to float64, others stay in float64: dtype and values follow it
    check_op(name, _data((2, 3, 4), dtype, nans=name.startswith("nan")), axis=1, rtol=1e-6)
