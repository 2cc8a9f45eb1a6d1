"""Sequential models: list and add() forms, deferred build, pop, compared with Keras."""

import numpy as np
import pytest
import torch

import sloi
from sloi.layers import Dense, Input
from tests.parity import assert_same_model

rng = np.random.default_rng(1)


def stack_from_list(K):
    return K.Sequential([
        K.layers.Dense(16, activation="relu", input_shape=(1000,)),
        K.layers.Dense(16, activation="relu"),
        K.layers.Dense(1, activation="sigmoid"),
    ])


def stack_with_add(K):
    model = K.Sequential()
    model.add(K.Input(shape=(10,)))
    model.add(K.layers.Dense(8, activation="tanh"))
    model.add(K.layers.Dense(3, activation="softmax"))
    return model


@pytest.mark.parametrize("builder", [stack_from_list, stack_with_add])
def test_sequential_matches_keras(builder):
    width = 1000 if builder is stack_from_list else 10
    x = rng.standard_normal((4, width)).astype("float32")
    ours, theirs = assert_same_model(builder, x)
    assert ours.name == theirs.name == "sequential"
    assert ours.output_shape == tuple(theirs.output_shape)


def test_input_layer_is_not_among_sequential_layers():
    model = stack_from_list(sloi)
    assert [layer.name for layer in model.layers] == ["dense", "dense_1", "dense_2"]
    assert model.count_params() == 16305
    assert model.inputs[0].shape == (None, 1000)


def test_deferred_build_on_first_call():
    model = sloi.Sequential([Dense(4), Dense(2)])
    assert not model.built
    # Keras prints an unbuilt model's table ("?" shapes, "0 (unbuilt)"): tests/engine/test_summary
    lines = []
    model.summary(print_fn=lines.append)
    assert any("0 (unbuilt)" in line for line in lines)
    out = model(torch.ones(3, 7))
    assert out.shape == (3, 2) and model.built
    assert model.input_shape == (None, 7)
    assert model.count_params() == 7 * 4 + 4 + 4 * 2 + 2


def test_build_with_an_input_shape():
    model = sloi.Sequential([Dense(4)])
    model.build((None, 5))
    assert model.output_shape == (None, 4)
    assert model.layers[0].kernel.shape == (5, 4)
    with pytest.raises(ValueError, match="needs an input_shape"):
        sloi.Sequential([Dense(1)]).build()


def test_add_after_build_extends_the_graph_and_pop_removes():
    model = sloi.Sequential([Input(shape=(3,)), Dense(4)])
    model.add(Dense(2))
    assert model.output_shape == (None, 2)
    popped = model.pop()
    assert popped.name == "dense_1" and model.output_shape == (None, 4)
    assert model(np.ones((1, 3), "float32")).shape == (1, 4)
    model.pop()
    with pytest.raises(ValueError, match="has no layers to pop"):
        model.pop()


def test_sequential_errors():
    with pytest.raises(TypeError, match=r"add\(\) expects a layer; got int 3"):
        sloi.Sequential().add(3)
    d = Dense(2, name="d")
    with pytest.raises(ValueError, match='the name "d" is already used'):
        sloi.Sequential([d, Dense(2, name="d")])
    with pytest.raises(ValueError, match="an Input can only come first"):
        sloi.Sequential([Dense(2, input_shape=(2,)), Input(shape=(2,))])


def test_sequential_nested_in_functional():
    inner = sloi.Sequential([Dense(3, input_shape=(4,)), Dense(2)])
    x = Input(shape=(4,))
    outer = sloi.Model(x, Dense(1)(inner(x)))
    assert outer.count_params() == 15 + 8 + 3
    data = torch.randn(2, 4)
    torch.testing.assert_close(outer(data), outer.layers[-1](inner(data)))
