"""Selection, sorting and set ops (``sloi/ops/numpy/indexing.py``) against Keras 3's torch
backend; data-dependent output sizes are ``None`` on functional-API tensors."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import ops
from sloi.engine.symbolic import SymbolicTensor
from tests.ops.keras_configs import check_keras_config
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(3)
F32 = RNG.standard_normal((3, 5)).astype("float32")
I32 = RNG.integers(-4, 4, (3, 5)).astype("int32")
B = RNG.random((3, 5)) > 0.5
ARRAYS = {"float32": F32, "int32": I32, "bool": B}


@pytest.mark.parametrize("dtype", ["float32", "int32", "bool"])
@pytest.mark.parametrize("axis", [-1, 0, None])
def test_sort_and_argsort(dtype, axis):
    x = ARRAYS[dtype]
    check_op("sort", x, axis=axis, batch_none=axis == -1)
    if dtype != "float32":  # ties: a stable sort fixes the order, compare that to numpy
        np.testing.assert_array_equal(
            ops.argsort(x, axis=axis).numpy(),
            np.argsort(x if axis is not None else x.reshape(-1), axis=axis if axis is not None
                       else -1, kind="stable"))
    check_op("argsort", F32 if dtype == "float32" else x, axis=axis,
             batch_none=axis == -1)


@pytest.mark.parametrize("x", [F32, I32], ids=["float32", "int32"])
@pytest.mark.parametrize("kth,axis", [(0, -1), (2, -1), (1, 0), (4, None)])
def test_argpartition_partitions(x, kth, axis):
    # any index order that puts the kth element in its sorted place is an answer: check the
    # property, the dtype and Keras's symbolic shape
    out = ops.argpartition(x, kth, axis=axis)
    flat = x.reshape(-1) if axis is None else x
    axis_ = -1 if axis is None else axis
    picked = np.take_along_axis(flat, out.numpy().astype("int64"), axis_)
    kth_sorted = np.take(np.sort(flat, axis=axis_), [kth], axis=axis_)
    np.testing.assert_array_equal(np.take(picked, [kth], axis=axis_), kth_sorted)
    assert (np.take(picked, range(kth), axis=axis_) <= kth_sorted).all()
    assert (np.take(picked, range(kth + 1, flat.shape[axis_]), axis=axis_) >= kth_sorted).all()
    assert out.dtype == keras.ops.argpartition(x, kth, axis=axis).dtype
    symbolic = ops.argpartition(SymbolicTensor(x.shape, str(x.dtype)), kth, axis=axis)
    assert symbolic.shape == keras.ops.argpartition(keras.KerasTensor(x.shape), kth,
                                                    axis=axis).shape


@pytest.mark.parametrize("pair", ["ii", "fi", "bb", "fb"])
@pytest.mark.parametrize("invert", [False, True])
def test_isin(pair, invert):
    a, b = {"ii": (I32, np.array([0, 1, 3], "int32")),
            "fi": (np.round(F32), np.array([0, 1], "int32")),
            "bb": (B, np.array([True])),
            "fb": (np.round(F32), np.array([True, False]))}[pair]
    check_op("isin", a, b, invert=invert, batch_none=False)


@pytest.mark.parametrize("x", ARRAYS.values(), ids=ARRAYS.keys())
def test_nonzero_gives_one_index_tensor_an_axis(x):
    ours = ops.nonzero(x)
    theirs = keras.ops.nonzero(x)  # Keras's torch backend stacks them: (rank, count)
    assert isinstance(ours, tuple) and len(ours) == x.ndim
    assert all(o.dtype == theirs.dtype for o in ours)
    np.testing.assert_array_equal(torch.stack(ours).numpy(), theirs.numpy())
    for o, e in zip(ours, np.nonzero(x)):
        np.testing.assert_array_equal(o.numpy(), e)


def test_nonzero_sizes_are_unknown_until_the_data_arrive():
    inputs = sloi.Input((5,))
    rows, cols = ops.nonzero(inputs)
    theirs = keras.ops.nonzero(keras.Input((5,)))
    assert rows.shape == cols.shape == tuple(theirs[0].shape) == (None,)
    assert rows.dtype == torch.int32
    model = sloi.Model(inputs, [rows, cols])
    data = np.array([[0, 1, 0, 2, 0], [3, 0, 0, 0, 0]], "float32")
    for ours, expected in zip(model.predict(data, verbose=0), np.nonzero(data)):
        np.testing.assert_array_equal(ours, expected)


def test_nonzero_sizes_stay_unknown_after_loading(tmp_path):
    inputs = sloi.Input((5,))
    model = sloi.Model(inputs, ops.nonzero(inputs)[1])
    model.save(tmp_path / "m.sloi")
    assert sloi.saving.load_model(tmp_path / "m.sloi").outputs[0].shape == (None,)


@pytest.mark.parametrize("pair", ["ff", "fi", "ii", "f_scalar", "bb"])
def test_where(pair):
    a, b = {"ff": (F32, -F32), "fi": (F32, I32), "ii": (I32, I32 * 2),
            "f_scalar": (F32, 0.5), "bb": (B, ~B)}[pair]
    check_op("where", F32 > 0, a, b, symbolic=pair != "f_scalar")


def test_where_broadcasts():
    check_op("where", (F32 > 0)[:, :1], F32, F32[0], batch_none=False)


def test_where_with_only_a_condition_gives_indices():
    ours = ops.where(I32 > 0)
    np.testing.assert_array_equal(torch.stack(ours).numpy(), keras.ops.where(I32 > 0).numpy())
    symbolic = ops.where(sloi.Input((5,), dtype="bool"))
    assert [s.shape for s in symbolic] == [(None,), (None,)]
    with pytest.raises(ValueError, match="both x1 and x2"):
        ops.where(F32 > 0, F32)


@pytest.mark.parametrize("default", [0, -1.5])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_select(default, dtype):
    x = ARRAYS[dtype]
    conds = [x > 1, x < -1]
    choices = [x, x * 2]
    check_op("select", conds, choices, default, symbolic=False)
    symbolic = ops.select([SymbolicTensor((None, 5), "bool")] * 2,
                          [SymbolicTensor((None, 5), dtype)] * 2, default)
    assert symbolic.shape == (None, 5)


@pytest.mark.parametrize("side", ["left", "right"])
@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_searchsorted(side, dtype):
    sorted_sequence = np.sort(ARRAYS[dtype][0])
    values = ARRAYS[dtype][1:]
    check_op("searchsorted", sorted_sequence, values, side=side, batch_none=False)


@pytest.mark.parametrize("x", [F32, I32, RNG.standard_normal((2, 3, 4)).astype("float32")],
                         ids=["f2", "i2", "f3"])
@pytest.mark.parametrize("indices", [np.array([0, 1], "int32"), np.array([[1, -1]], "int32"),
                                     np.array(1, "int32")], ids=["vec", "mat", "scalar"])
@pytest.mark.parametrize("axis", [None, 0, 1, -1])
def test_take(x, indices, axis):
    if axis is None and (indices < 0).any():
        # Keras's torch take wraps a negative flat index by the first axis's size, not the
        # flattened size: sloi follows numpy
        np.testing.assert_array_equal(ops.take(x, indices).numpy(), np.take(x, indices))
        return
    check_op("take", x, indices, axis=axis, batch_none=axis not in (None, 0))


@pytest.mark.parametrize("axis", [0, 1, -1, None])
def test_take_along_axis(axis):
    x = RNG.standard_normal((3, 4)).astype("float32")
    if axis is None:
        indices = RNG.integers(0, 12, (5,)).astype("int32")
    else:
        indices = np.argsort(x, axis=axis).astype("int32")
    check_op("take_along_axis", x, indices, axis=axis, batch_none=False)
    check_op("take_along_axis", x.astype("int32"), indices, axis=axis, batch_none=False)


UNIQUE_X = np.array([[3, 1, 3], [2, 1, 2], [3, 1, 3]], "int32")


@pytest.mark.parametrize("flags", [
    {}, {"return_index": True}, {"return_inverse": True}, {"return_counts": True},
    {"return_index": True, "return_inverse": True, "return_counts": True},
])
@pytest.mark.parametrize("x", [UNIQUE_X[0], UNIQUE_X.reshape(-1).astype("float32") / 2, UNIQUE_X],
                         ids=["int", "float", "2d"])
def test_unique(flags, x):
    if x.ndim > 1 and flags.get("return_index"):
        # Keras's torch unique fails here (its inverse keeps x's shape): compare to numpy
        for a, b in zip(ops.unique(x, **flags), np.unique(x, **flags)):
            np.testing.assert_array_equal(a.numpy(), b.reshape(a.shape))
        return
    ours = ops.unique(x, **flags)
    theirs = keras.ops.unique(x, **flags)
    ours, theirs = (list(v) if isinstance(v, tuple) else [v] for v in (ours, theirs))
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.dtype == b.dtype and a.shape == b.shape
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("size", [2, 5])
def test_unique_with_a_size_and_along_an_axis(size):
    check_op("unique", UNIQUE_X[0], size=size, fill_value=-1, return_counts=True,
             return_index=True, batch_none=False)
    check_op("unique", UNIQUE_X, axis=1, symbolic=False)


def test_unique_sizes_are_unknown_unless_given():
    x = SymbolicTensor((4, 3), "int32")
    for kwargs in ({}, {"axis": 1}, {"return_inverse": True, "return_counts": True},
                   {"size": 3, "return_index": True}):
        ours = ops.unique(x, **kwargs)
        theirs = keras.ops.unique(keras.KerasTensor((4, 3), "int32"), **kwargs)
        ours, theirs = (list(v) if isinstance(v, (tuple, list)) else [v]
                        for v in (ours, theirs))
        assert [o.shape for o in ours] == [tuple(t.shape) for t in theirs], kwargs


@pytest.mark.parametrize("name,args,kwargs", [
    ("sort", (F32,), {"axis": 0}), ("argsort", (F32,), {"axis": -1}),
    ("take", (F32, np.array([0, 2], "int32")), {"axis": 1}),
    ("take_along_axis", (F32, np.argsort(F32, axis=0).astype("int32")), {"axis": 0}),
    ("where", (F32 > 0, F32, -F32), {}), ("isin", (I32, np.array([1, 2], "int32")), {}),
    ("searchsorted", (np.sort(F32[0]), F32[1]), {"side": "right"}),
    ("unique", (I32[0],), {"return_counts": True}),
    ("select", ([F32 > 0], [F32]), {"default": 2.0}),
])
def test_ops_rebuild_from_keras_configs(name, args, kwargs):
    check_keras_config(name, *args, **kwargs)
