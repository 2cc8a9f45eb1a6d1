"""Core ops (``sloi/ops/core.py``) against Keras 3's torch backend: conversion, casting,
slicing, scattering, gradients and eager control flow."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import layers, ops
from sloi.engine.symbolic import SymbolicTensor
from tests.ops.keras_configs import check_keras_config
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(5)
F32 = RNG.standard_normal((3, 4)).astype("float32")
I32 = RNG.integers(-5, 5, (3, 4)).astype("int32")
B = RNG.random((3, 4)) > 0.5
ARRAYS = {"float32": F32, "int32": I32, "bool": B}


# ---------------------------------------------------------------------------- conversion
@pytest.mark.parametrize("x", [F32, I32, B, [1, 2], [1.5, 2], 3, 2.5, True, F32.astype("float64")],
                         ids=lambda x: type(x).__name__ + str(getattr(x, "dtype", "")))
@pytest.mark.parametrize("dtype", [None, "float32", "int32"])
def test_convert_to_tensor(x, dtype):
    check_op("convert_to_tensor", x, dtype=dtype, symbolic=isinstance(x, np.ndarray))


def test_convert_to_tensor_refuses_sparse_and_ragged():
    with pytest.raises(ValueError, match="sparse=True is not supported"):
        ops.convert_to_tensor(F32, sparse=True)
    with pytest.raises(ValueError, match="ragged=True is not supported"):
        ops.convert_to_tensor(F32, ragged=True)


def test_convert_to_numpy_is_tensor_shape_dtype():
    t = torch.ones(2, 3, requires_grad=True)
    np.testing.assert_array_equal(ops.convert_to_numpy(t), keras.ops.convert_to_numpy(t))
    assert ops.convert_to_numpy([torch.ones(2), torch.zeros(2)]).shape == (2, 2)
    assert ops.is_tensor(t) and not ops.is_tensor(F32)
    assert ops.is_tensor(t) == keras.ops.is_tensor(t)
    assert ops.shape(t) == keras.ops.shape(t) == (2, 3)
    assert ops.shape(sloi.Input((5,))) == tuple(keras.ops.shape(keras.Input((5,)))) == (None, 5)
    for x in ARRAYS.values():
        assert ops.dtype(x) == keras.ops.dtype(x)
    assert ops.dtype(sloi.Input((2,), dtype="int32")) == "int32"


@pytest.mark.parametrize("x", ARRAYS.values(), ids=ARRAYS.keys())
@pytest.mark.parametrize("dtype", ["float32", "int32", "bool", "int8", "float16"])
def test_cast(x, dtype):
    check_op("cast", x, dtype)


SATURATE_BIG = F32 * 1e10


@pytest.mark.parametrize("x", [SATURATE_BIG, np.array([-300.0, -1.5, 0.0, 200.7, 1e6], "float32"),
                               (I32 * 1000).astype("int32"), B],
                         ids=["big", "small", "int", "bool"])
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "float16"])
def test_saturate_cast(x, dtype):
    if x is SATURATE_BIG and dtype == "int32":
        # Keras's torch saturate_cast wraps float32 values past 2**31 to -2**31 here; sloi
        # saturates at the largest float32 below 2**31, as the op promises
        expected = np.clip(x, -(2.0**31), 2147483520.0).astype("int32")
        np.testing.assert_array_equal(ops.saturate_cast(x, dtype).numpy(), expected)
        return
    check_op("saturate_cast", x, dtype, batch_none=False)


def test_stop_gradient():
    t = torch.ones(3, requires_grad=True)
    out = ops.stop_gradient(t * 2)
    assert not out.requires_grad
    (t * 2 + ops.stop_gradient(t * 5)).sum().backward()
    np.testing.assert_array_equal(t.grad.numpy(), [2.0, 2.0, 2.0])
    check_op("stop_gradient", F32, keras_args=(torch.from_numpy(F32),))


def test_custom_gradient_as_keras_torch_calls_grad_fn():
    def make(lib):
        @lib.ops.custom_gradient
        def log1pexp(x):
            e = torch.exp(x)

            def grad(*args, upstream=None):
                if upstream is None:
                    (upstream,) = args
                return upstream * (1.0 - 1.0 / (1 + e))

            return torch.log1p(e), grad

        return log1pexp

    grads = []
    for lib in (sloi, keras):
        x = torch.tensor([0.0, 100.0, -3.0], requires_grad=True)
        y = make(lib)(x)
        y.sum().backward()
        grads.append((y.detach().numpy(), x.grad.numpy()))
    np.testing.assert_allclose(grads[0][0], grads[1][0])
    np.testing.assert_allclose(grads[0][1], grads[1][1])
    assert np.isfinite(grads[0][1]).all()


# ---------------------------------------------------------------------------- slicing
@pytest.mark.parametrize("x", ARRAYS.values(), ids=ARRAYS.keys())
@pytest.mark.parametrize("start,shape", [((0, 0), (2, 3)), ((1, 2), (2, 2)), ((2, 0), (1, 4))])
def test_slice_and_slice_update(x, start, shape):
    check_op("slice", x, start, shape, batch_none=False)
    updates = np.ones(shape, x.dtype)
    check_op("slice_update", x, start, updates, batch_none=False)
    check_op("slice", x, np.array(start, "int32"), shape, batch_none=False, symbolic=False)


def test_slice_of_a_batch_of_unknown_size():
    x = sloi.Input((4, 5))
    assert ops.slice(x, (0, 1, 1), (2, 2, 3)).shape == (2, 2, 3)


@pytest.mark.parametrize("indices,values_shape", [([[0, 1], [2, 3], [0, 1]], (3,)),
                                                  ([[1], [2]], (2, 4))])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_scatter(indices, values_shape, dtype):
    values = RNG.standard_normal(values_shape).astype(dtype)
    check_op("scatter", np.array(indices, "int32"), values, (3, 4), batch_none=False)


@pytest.mark.parametrize("reduction", [None, "add", "max", "min", "mul"])
@pytest.mark.parametrize("indices,updates_shape", [([[0, 1], [2, 3], [1, 0]], (3,)),
                                                   ([[1], [2]], (2, 4))])
def test_scatter_update(reduction, indices, updates_shape):
    updates = RNG.standard_normal(updates_shape).astype("float32")
    check_op("scatter_update", F32, np.array(indices, "int32"), updates, reduction=reduction,
             batch_none=False)


def test_scatter_update_combines_repeated_positions():
    indices = np.array([[0, 0], [0, 0], [1, 1]], "int32")
    updates = np.array([2.0, 3.0, 4.0], "float32")
    for reduction in ("add", "max", "min", "mul"):
        check_op("scatter_update", F32, indices, updates, reduction=reduction,
                 symbolic=False)


@pytest.mark.parametrize("axis", [0, 1, -1])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_unstack(axis, dtype):
    x = RNG.standard_normal((2, 3, 4)).astype(dtype)
    check_op("unstack", x, axis=axis, batch_none=axis != 0,
             keras_args=(torch.from_numpy(x),))


def test_unstack_refuses_an_axis_of_unknown_size_as_keras():
    with pytest.raises(ValueError, match="unknown"):
        ops.unstack(sloi.Input((3,)), axis=0)


# ---------------------------------------------------------------------------- control flow
@pytest.mark.parametrize("pred", [True, False, np.array(True), np.array(0.0, "float32")])
def test_cond(pred):
    check_op("cond", pred, lambda: torch.ones(2), lambda: torch.zeros(2, 3), symbolic=False)


def test_cond_on_a_functional_tensor_chooses_its_branch_at_call_time():
    inputs = sloi.Input((3,), batch_size=1)
    chosen = ops.cond(inputs[0, 0] > 0, lambda: torch.ones(2), lambda: torch.zeros(2))
    assert isinstance(chosen, SymbolicTensor) and chosen.shape == (2,)
    model = sloi.Model(inputs, chosen)
    np.testing.assert_array_equal(model(torch.tensor([[1.0, 0, 0]])).numpy(), [1, 1])
    np.testing.assert_array_equal(model(torch.tensor([[-1.0, 0, 0]])).numpy(), [0, 0])


@pytest.mark.parametrize("index", [-1, 0, 1, 5])
def test_switch(index):
    branches = [lambda x: x + 1, lambda x: x * 3]
    check_op("switch", index, branches, torch.from_numpy(F32), symbolic=False)


def test_while_loop_and_fori_loop():
    check_op("while_loop", lambda i, s: i < 5, lambda i, s: (i + 1, s + i), (0, 0.0),
             symbolic=False)
    check_op("while_loop", lambda x: ops.sum(x) < 100 if hasattr(ops, "sum") else x.sum() < 100,
             lambda x: x * 2, F32 ** 2, symbolic=False)
    check_op("while_loop", lambda i: i < 50, lambda i: i + 1, 0, maximum_iterations=7,
             symbolic=False)
    check_op("fori_loop", 0, 6, lambda i, v: v * 2 + i, torch.from_numpy(F32), symbolic=False)


@pytest.mark.parametrize("reverse", [False, True])
def test_scan(reverse):
    def cumulative(carry, x):
        carry = carry + x
        return carry, carry * 2

    check_op("scan", cumulative, np.zeros(4, "float32"), F32, reverse=reverse, symbolic=False)

    def pairs(carry, xs):
        a, b = xs
        return (carry[0] + a, carry[1] * 1.0), (a + b, a * b)

    check_op("scan", pairs, (np.zeros(4, "float32"), np.ones(4, "float32")), (F32, F32 * 2),
             reverse=reverse, symbolic=False)
    check_op("scan", lambda c, _: (c + 1, None), np.zeros(2, "float32"), length=3,
             symbolic=False)


def test_map_and_vectorized_map():
    check_op("map", lambda row: row * 2 + 1, F32, symbolic=False)
    check_op("map", lambda xs: (xs[0] + xs[1], xs[0]), (F32, F32), symbolic=False)
    ys = ops.map(lambda xs: {"a": xs["x"] * 2}, {"x": F32})
    np.testing.assert_allclose(ys["a"].numpy(), F32 * 2)
    check_op("vectorized_map", lambda row: torch.dot(row, row), F32, symbolic=False,
             keras_args=(lambda row: torch.dot(row, row), torch.from_numpy(F32)))


@pytest.mark.parametrize("reverse", [False, True])
@pytest.mark.parametrize("axis", [0, 1])
@pytest.mark.parametrize("n", [1, 5, 8])
def test_associative_scan(reverse, axis, n):
    x = RNG.standard_normal((n, 3) if axis == 0 else (3, n)).astype("float32")
    check_op("associative_scan", lambda a, b: a + b, x, reverse=reverse, axis=axis, rtol=1e-5,
             atol=1e-5, symbolic=False)
    check_op("associative_scan", lambda a, b: torch.maximum(a, b), x, reverse=reverse,
             axis=axis, symbolic=False)
    np.testing.assert_allclose(
        ops.associative_scan(lambda a, b: a + b, x, reverse=reverse, axis=axis).numpy(),
        np.flip(np.cumsum(np.flip(x, axis), axis), axis) if reverse else np.cumsum(x, axis),
        rtol=1e-5, atol=1e-5)


def test_associative_scan_of_a_structure():
    def combine(a, b):  # running product of 2x2 matrices written as (scale, shift) pairs
        return (a[0] * b[0], a[1] * b[0] + b[1])

    elems = (RNG.uniform(0.5, 1.5, 7).astype("float32"), RNG.standard_normal(7).astype("float32"))
    check_op("associative_scan", combine, elems, rtol=1e-5, atol=1e-6, symbolic=False)


# ---------------------------------------------------------------------------- in a model
def test_core_ops_record_nodes_in_a_functional_model(tmp_path):
    inputs = sloi.Input((4, 6))
    x = layers.Dense(6)(inputs)
    y = ops.cast(x > 0, "float32") * x
    y = ops.stop_gradient(y[:, :, :3])
    parts = ops.unstack(y, axis=1)
    model = sloi.Model(inputs, ops.saturate_cast(parts[-1] * 100, "int8"))
    assert model.output_shape == (None, 3)
    data = RNG.standard_normal((2, 4, 6)).astype("float32")
    with torch.no_grad():
        h = model.layers[1](torch.from_numpy(data))
        expected = torch.clamp(torch.relu(h)[:, -1, :3] * 100, -128, 127).to(torch.int8)
    np.testing.assert_array_equal(model.predict(data, verbose=0), expected.numpy())
    model.save(tmp_path / "m.sloi")
    loaded = sloi.saving.load_model(tmp_path / "m.sloi")
    np.testing.assert_array_equal(loaded.predict(data, verbose=0), expected.numpy())


@pytest.mark.parametrize("name,args,kwargs", [
    ("cast", (F32, "int32"), {}), ("saturate_cast", (F32 * 300, "uint8"), {}),
    ("slice", (F32, (1, 0), (2, 3)), {}), ("slice_update", (F32, (1, 1), np.ones((2, 2), "float32")),
                                           {}),
    ("scatter", (np.array([[0, 1]], "int32"), np.ones(1, "float32"), (2, 3)), {}),
    ("scatter_update", (F32, np.array([[0, 1]], "int32"), np.ones(1, "float32")), {}),
    ("unstack", (F32,), {"axis": 1}), ("convert_to_tensor", (I32,), {"dtype": "float32"}),
])
def test_ops_rebuild_from_keras_configs(name, args, kwargs):
    check_keras_config(name, *args, **kwargs)
