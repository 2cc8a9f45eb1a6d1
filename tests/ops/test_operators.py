"""Python's operators on functional tensors and the ops behind them, against Keras 3."""

import numpy as np
import pytest
import torch

import sloi
from sloi import layers, ops
from tests.ops.op_parity import check_op

RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4)).astype("float32")
Y = RNG.standard_normal((3, 4)).astype("float32") + 3.0
I32 = RNG.integers(-5, 5, (3, 4)).astype("int32")


@pytest.mark.parametrize("name", [
    "add", "subtract", "multiply", "divide", "true_divide", "power", "equal", "not_equal",
    "less", "less_equal", "greater", "greater_equal", "floor_divide", "mod",
])
@pytest.mark.parametrize("pair", ["ff", "fi", "if", "f_scalar", "i_scalar", "i_float"])
def test_binary_ops_match_keras(name, pair):
    a, b = {"ff": (X, Y), "fi": (Y, I32 + 7), "if": (I32, Y), "f_scalar": (X, 2.0),
            "i_scalar": (I32, 3), "i_float": (I32, 2.5)}[pair]
    check_op(name, a, b, rtol=1e-5, symbolic=pair not in ("f_scalar", "i_scalar", "i_float"))


@pytest.mark.parametrize("name", ["negative", "absolute", "abs", "round", "logical_not"])
@pytest.mark.parametrize("x", [X, I32], ids=["float32", "int32"])
def test_unary_ops_match_keras(name, x):
    check_op(name, x)


def test_matmul_matches_keras():
    check_op("matmul", X, RNG.standard_normal((4, 5)).astype("float32"), rtol=1e-5,
             batch_none=False)
    check_op("matmul", RNG.standard_normal((2, 3, 4)).astype("float32"),
             RNG.standard_normal((4,)).astype("float32"), rtol=1e-5, batch_none=False)


@pytest.mark.parametrize("key", [
    (slice(None), -1), (slice(1, None), slice(None, None, 2)), (Ellipsis, 0), (None, 0), 1,
])
def test_get_item_matches_keras(key):
    check_op("get_item", RNG.standard_normal((3, 4, 5)).astype("float32"), key)


def _residual(K):
    inputs = K.Input((4, 3))
    x = K.layers.Dense(3)(inputs)
    x = x + inputs
    x = 2.0 * x - 1
    x = x / 4 + x * x
    x = x @ K.ops.ones((3, 2)) if hasattr(K, "ops") else x
    return K.Model(inputs, -x[:, -1])


def test_operators_in_a_functional_model_equal_the_eager_computation():
    inputs = sloi.Input((4, 3))
    dense = layers.Dense(3)
    x = dense(inputs)
    y = ((x + inputs) * 2.0 - 1) / 4
    y = abs(y) ** 2 + 1 // (y * 0 + 3) % 5
    y = -(y @ torch.ones(3, 2))[:, -1]
    model = sloi.Model(inputs, y)
    data = RNG.standard_normal((5, 4, 3)).astype("float32")
    t = torch.from_numpy(data)
    h = ((dense(t) + t) * 2.0 - 1) / 4
    expected = -((h.abs() ** 2 + 1 // (h * 0 + 3) % 5) @ torch.ones(3, 2))[:, -1]
    np.testing.assert_allclose(model.predict(data, verbose=0), expected.detach().numpy(),
                               rtol=1e-6)
    assert [layer.name for layer in model.layers] == ["input_layer", "dense"]


def test_op_nodes_show_in_the_summary_with_their_keras_class():
    inputs = sloi.Input((4,))
    model = sloi.Model(inputs, layers.Dense(2)(inputs)[:, 0] + 1)
    lines = []
    model.summary(print_fn=lines.append)
    text = "\n".join(lines)
    assert "get_item (GetItem)" in text and "add (Add)" in text


def test_comparisons_and_logic_record_bool_tensors():
    inputs = sloi.Input((4,))
    mask = (inputs > 0) & ~(inputs > 2)
    assert mask.dtype == torch.bool and mask.shape == (None, 4)
    model = sloi.Model(inputs, mask)
    data = np.array([[-1.0, 1.0, 3.0, 0.5]], "float32")
    np.testing.assert_array_equal(model.predict(data, verbose=0), [[False, True, False, True]])


def test_shapes_that_cannot_broadcast_fail_at_graph_building_naming_the_op():
    a = layers.Dense(4)(sloi.Input((5, 3)))
    b = sloi.Input((5, 3))
    with pytest.raises(ValueError, match=r'Operation "add" \(Add\) cannot take inputs shape '
                                         r"\(None, 5, 4\) from layer \"dense\", shape "
                                         r"\(None, 5, 3\)"):
        a + b


def test_an_eager_tensor_with_gradients_is_refused_with_an_explanation():
    inputs = sloi.Input((3,))
    weight = torch.ones(3, requires_grad=True)
    with pytest.raises(TypeError, match="carries gradients.*add_weight"):
        inputs * weight


def test_ops_on_eager_values_return_tensors():
    out = ops.add(np.ones(2, "float32"), 1)
    assert isinstance(out, torch.Tensor) and out.dtype == torch.float32
    assert ops.add(1, 2).dtype == torch.int32
