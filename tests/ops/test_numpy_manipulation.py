"""Shape and arrangement ops (``sloi/ops/numpy/manipulation.py``) against Keras 3's torch
backend, and a functional model built from them that saves and loads."""

import keras
import numpy as np
import pytest
import torch

import sloi
from sloi import layers, ops
from sloi.engine.symbolic import SymbolicTensor
from tests.ops.keras_configs import check_keras_config
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(2)


def _arrays(shape):
    return {
        "float32": RNG.standard_normal(shape).astype("float32"),
        "int32": RNG.integers(-5, 5, shape).astype("int32"),
        "bool": RNG.random(shape) > 0.5,
    }


def _check_symbolic_list(name, xs, batch_none=True, **kwargs):
    """``check_op``'s symbolic half for ops that take a list of tensors."""
    def shape(x):
        return ((None,) + x.shape[1:]) if batch_none else x.shape

    ours = getattr(ops, name)([SymbolicTensor(shape(x), str(x.dtype)) for x in xs], **kwargs)
    theirs = getattr(keras.ops, name)([keras.KerasTensor(shape(x), str(x.dtype)) for x in xs],
                                      **kwargs)
    assert ours.shape == tuple(theirs.shape), (name, ours.shape, theirs.shape)


X3 = _arrays((2, 3, 4))
X2 = _arrays((3, 4))
DTYPES = ["float32", "int32", "bool"]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("newshape", [(6, 4), (-1,), (2, -1, 2), 24, (4, 3, 2)])
def test_reshape(dtype, newshape):
    check_op("reshape", X3[dtype], newshape, batch_none=False)


@pytest.mark.parametrize("newshape", [(-1, 12), (-1, 4, 3), (-1, 2, 2, 3)])
def test_reshape_with_a_none_batch(newshape):
    check_op("reshape", X3["float32"], newshape)


@pytest.mark.parametrize("dtype", DTYPES)
def test_ravel_ndim_size(dtype):
    check_op("ravel", X3[dtype], batch_none=False)
    assert ops.ndim(X3[dtype]) == 3 and ops.ndim(sloi.Input((3, 4))) == 3
    check_op("size", X3[dtype], symbolic=False)
    assert ops.size(sloi.Input((3, 4), batch_size=2)).shape == ()


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1, (0, 2), (1, -1)])
def test_expand_dims(dtype, axis):
    check_op("expand_dims", X2[dtype], axis)


@pytest.mark.parametrize("axis", [None, 1, -1, (1, 3)])
def test_squeeze(axis):
    x = RNG.standard_normal((2, 1, 3, 1)).astype("float32")
    check_op("squeeze", x, axis=axis, batch_none=axis is not None)


def test_squeeze_refuses_a_real_axis():
    with pytest.raises(ValueError, match="axis 0 .* size 2, not 1"):
        ops.squeeze(np.zeros((2, 1)), axis=0)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4), (5, 1, 4)])
def test_broadcast_to(dtype, shape):
    check_op("broadcast_to", X2[dtype][:1], shape, batch_none=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axes", [None, (1, 0, 2), (0, 2, 1), (2, 0, 1)])
def test_transpose(dtype, axes):
    check_op("transpose", X3[dtype], axes=axes, batch_none=axes is not None and axes[0] == 0)


@pytest.mark.parametrize("args", [(0, 2), (1, -1), (-1, 0)])
def test_swapaxes_and_moveaxis(args):
    check_op("swapaxes", X3["float32"], *args, batch_none=False)
    check_op("moveaxis", X3["int32"], *args, batch_none=False)
    check_op("moveaxis", X3["float32"], (0, 1), (2, 0), batch_none=False)


@pytest.mark.parametrize("dtype", ["int32", "int64"])
def test_unravel_index(dtype):
    indices = np.array([0, 5, 11, 7], dtype)
    check_op("unravel_index", indices, (3, 4), batch_none=False)


@pytest.mark.parametrize("dtype", ["int32", "float32"])
def test_view(dtype):
    check_op("view", X2["float32"], dtype=dtype, batch_none=False)
    check_op("view", X2["int32"], dtype="int16", batch_none=False)


@pytest.mark.parametrize("name", ["concatenate", "stack"])
@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack(name, dtype, axis):
    xs = [X3[dtype], X3[dtype][::-1]]
    check_op(name, xs, axis=axis, symbolic=False)
    _check_symbolic_list(name, xs, axis=axis, batch_none=axis != 0)
    _check_symbolic_list(name, xs, axis=axis, batch_none=False)


def test_concatenate_promotes_mixed_dtypes_as_torch():
    check_op("concatenate", [X2["float32"], X2["int32"]], axis=1, symbolic=False)


@pytest.mark.parametrize("name", ["hstack", "vstack", "dstack"])
@pytest.mark.parametrize("x", [X2["float32"], X3["int32"], X2["bool"][0]], ids=["2d", "3d", "1d"])
def test_hvd_stack(name, x):
    xs = [x, x * 2 if x.dtype != bool else ~x]
    out = check_op(name, xs, symbolic=False)
    if x.ndim > 1:
        _check_symbolic_list(name, xs, batch_none=False)
    else:  # Keras's symbolic hstack / vstack of vectors fail or differ from its eager result
        symbolic = getattr(ops, name)([SymbolicTensor(x.shape, str(x.dtype))] * 2)
        assert symbolic.shape == out.shape


@pytest.mark.parametrize("axis", [None, 0, 1])
def test_append(axis):
    check_op("append", X2["float32"], X2["int32"], axis=axis, batch_none=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("sections,axis", [(2, 0), (3, 1), ([1, 3], 2), ([1], -1), (1, 1)])
def test_split(dtype, sections, axis):
    check_op("split", X3[dtype], sections, axis=axis, batch_none=False)


def test_split_refuses_unequal_sections():
    with pytest.raises(ValueError, match="does not divide axis 1 of size 3"):
        ops.split(X3["float32"], 2, axis=1)


@pytest.mark.parametrize("sections,axis", [(3, 2), (2, 1), (4, -1)])
def test_array_split(sections, axis):
    check_op("array_split", X3["float32"], sections, axis=axis, batch_none=False)


def test_array_split_at_indices_as_numpy():
    # Keras takes only a number of sections; sloi also takes indices, as numpy
    x = X3["int32"]
    for ours, expected in zip(ops.array_split(x, [1, 3], axis=2),
                              np.array_split(x, [1, 3], axis=2), strict=True):
        np.testing.assert_array_equal(ours.numpy(), expected)


@pytest.mark.parametrize("name,sections", [
    ("hsplit", 3), ("hsplit", [1]), ("vsplit", 2), ("vsplit", [1]), ("dsplit", 2),
    ("dsplit", [1, 3]),
])
def test_hvd_split(name, sections):
    check_op(name, X3["int32"], sections, batch_none=False)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("axis", [None, 0, -1, (0, 2)])
def test_flip(dtype, axis):
    check_op("flip", X3[dtype], axis=axis)


@pytest.mark.parametrize("name", ["fliplr", "flipud"])
@pytest.mark.parametrize("dtype", DTYPES)
def test_fliplr_flipud(name, dtype):
    check_op(name, X3[dtype])


@pytest.mark.parametrize("shift,axis", [(1, None), (-2, None), (1, 0), (2, -1), ((1, 2), (0, 2))])
def test_roll(shift, axis):
    check_op("roll", X3["float32"], shift, axis=axis, batch_none=axis is not None)


@pytest.mark.parametrize("k", [0, 1, 2, 3, -1])
@pytest.mark.parametrize("axes", [(0, 1), (1, 2), (2, 0)])
def test_rot90(k, axes):
    # Keras's symbolic Rot90 swaps the axes for even k too: sloi's shape is the eager one
    out = check_op("rot90", X3["int32"], k=k, axes=axes, batch_none=False, symbolic=k % 2 == 1)
    assert ops.rot90(SymbolicTensor((2, 3, 4), "int32"), k=k, axes=axes).shape == out.shape


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("repeats,axis", [(2, None), (2, 1), (3, -1), (np.array([1, 2, 0], "int32"), 1),
                                          (np.array([2, 1], "int32"), 0)])
def test_repeat(dtype, repeats, axis):
    # Keras's symbolic Repeat takes no list of counts
    check_op("repeat", X3[dtype], repeats, axis=axis, batch_none=axis not in (None, 0),
             symbolic=isinstance(repeats, int))
    if not isinstance(repeats, int):
        symbolic = ops.repeat(SymbolicTensor(X3[dtype].shape, dtype), repeats, axis=axis)
        assert symbolic.shape == (2, 3, 4)[:axis] + (sum(repeats),) + (2, 3, 4)[axis + 1:]


def test_repeat_takes_a_list_of_counts_as_numpy():  # Keras's torch repeat refuses lists
    x = X3["float32"]
    np.testing.assert_array_equal(ops.repeat(x, [1, 2, 0], axis=1).numpy(),
                                  np.repeat(x, [1, 2, 0], axis=1))


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("repeats", [2, (2, 1), (1, 2, 3), (2, 1, 1, 1)])
def test_tile(dtype, repeats):
    check_op("tile", X3[dtype], repeats, batch_none=False)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
@pytest.mark.parametrize("pad_width", [((1, 2), (0, 1), (2, 0)), ((0, 0), (1, 1), (0, 0))])
@pytest.mark.parametrize("constant", [None, 3])
def test_pad_constant(dtype, pad_width, constant):
    check_op("pad", X3[dtype], pad_width, constant_values=constant,
             batch_none=pad_width[0] == (0, 0))


@pytest.mark.parametrize("pad_width", [((1, 1),), 2])
def test_pad_one_width_for_every_axis_as_numpy_and_keras_symbolic(pad_width):
    # Keras's torch pad uses a single pair for the last axis only, its symbolic Pad (and
    # numpy) for every axis: sloi follows the latter
    x = X3["float32"]
    out = ops.pad(x, pad_width, constant_values=1.5)
    np.testing.assert_array_equal(out.numpy(), np.pad(x, pad_width, constant_values=1.5))
    symbolic = keras.ops.pad(keras.KerasTensor(x.shape), ((1, 1),)).shape
    assert tuple(ops.pad(SymbolicTensor(x.shape), ((1, 1),)).shape) == tuple(symbolic)


@pytest.mark.parametrize("dtype", ["float32", "int32"])
def test_pad_reflect(dtype):
    check_op("pad", X3[dtype], ((0, 0), (1, 2), (3, 3)), mode="reflect", batch_none=True)


@pytest.mark.parametrize("mode", ["symmetric", "edge", "wrap", "reflect"])
@pytest.mark.parametrize("x", [X3["float32"], X2["int32"][0]], ids=["3d", "1d"])
def test_pad_modes_as_numpy(mode, x):
    pad_width = ((2, 3),) * x.ndim
    np.testing.assert_array_equal(ops.pad(x, pad_width, mode=mode).numpy(),
                                  np.pad(x, pad_width, mode=mode))


def test_pad_refuses_modes_it_cannot_honour():
    with pytest.raises(ValueError, match="linear_ramp"):
        ops.pad(X2["float32"], 1, mode="linear_ramp")
    with pytest.raises(ValueError, match="constant_values needs"):
        ops.pad(X2["float32"], 1, mode="edge", constant_values=1)


# ---------------------------------------------------------------------------- a model
def _build():
    inputs = sloi.Input((4, 6))
    x = layers.Dense(6)(inputs)
    y = ops.reshape(x, (-1, 4, 2, 3))
    y = ops.transpose(y, (0, 2, 1, 3))
    y = ops.reshape(y, (-1, 2, 12))
    z = ops.concatenate([y, ops.flip(y, axis=1)], axis=-1)
    z = ops.stack([z[:, -1], z[:, 0]], axis=1)
    z = ops.expand_dims(ops.squeeze(z[:, :1], axis=1), -1)
    z = ops.repeat(z, 2, axis=-1)
    return sloi.Model(inputs, ops.swapaxes(z, 1, 2)), inputs


def test_a_functional_model_of_array_ops_predicts_eagerly_and_survives_saving(tmp_path):
    model, _ = _build()
    data = RNG.standard_normal((5, 4, 6)).astype("float32")
    t = torch.from_numpy(data)
    with torch.no_grad():
        x = model.layers[1](t)
        y = x.reshape(-1, 4, 2, 3).permute(0, 2, 1, 3).reshape(-1, 2, 12)
        z = torch.cat([y, y.flip(1)], -1)
        z = torch.stack([z[:, -1], z[:, 0]], 1)[:, :1].squeeze(1).unsqueeze(-1)
        expected = z.repeat_interleave(2, -1).swapaxes(1, 2)
    assert model.output_shape == (None, 2, 24)
    predicted = model.predict(data, verbose=0)
    np.testing.assert_allclose(predicted, expected.numpy(), rtol=1e-6, atol=1e-6)
    model.save(tmp_path / "m.sloi")
    loaded = sloi.saving.load_model(tmp_path / "m.sloi")
    np.testing.assert_allclose(loaded.predict(data, verbose=0), predicted, rtol=1e-6)
    assert loaded.output_shape == (None, 2, 24)


@pytest.mark.parametrize("name,args,kwargs", [
    ("reshape", (X3["float32"], (6, 4)), {}), ("transpose", (X3["int32"],), {"axes": (2, 0, 1)}),
    ("concatenate", ([X3["float32"], X3["float32"]],), {"axis": -1}),
    ("stack", ([X2["int32"], X2["int32"]],), {"axis": 1}), ("expand_dims", (X2["float32"], 1), {}),
    ("squeeze", (X3["float32"][:, :1],), {"axis": 1}), ("flip", (X3["float32"],), {"axis": 1}),
    ("roll", (X3["float32"], 2), {"axis": -1}), ("repeat", (X2["int32"], 2), {"axis": 0}),
    ("tile", (X2["float32"], (2, 1)), {}), ("split", (X3["float32"], 2), {"axis": -1}),
    ("pad", (X2["float32"], ((1, 0), (2, 1))), {"constant_values": 1.0}),
    ("swapaxes", (X3["float32"], 0, 2), {}), ("moveaxis", (X3["float32"], 0, -1), {}),
    ("broadcast_to", (X2["float32"][:1], (4, 4)), {}), ("rot90", (X2["float32"],), {"k": 3}),
    ("unravel_index", (np.array([1, 7], "int32"), (3, 4)), {}),
    ("array_split", (X3["float32"], 3), {"axis": 2}), ("hsplit", (X3["int32"], 3), {}),
    ("view", (X2["float32"],), {"dtype": "int32"}), ("append", (X2["float32"], X2["float32"]), {}),
])
def test_ops_rebuild_from_keras_configs(name, args, kwargs):
    check_keras_config(name, *args, **kwargs)
