"""get_source_inputs: the same graph built with sloi and with Keras gives the same inputs."""

import keras
import numpy as np

import sloi
from sloi.utils import get_source_inputs


def build(lib):
    a = lib.Input(shape=(4,), name="a")
    b = lib.Input(shape=(4,), name="b")
    c = lib.Input(shape=(2,), name="c")
    shared = lib.layers.Dense(3)
    ab = lib.layers.concatenate([shared(a), shared(b)])
    out = lib.layers.Dense(1)(lib.layers.concatenate([ab, lib.layers.Dense(2)(a)]))
    side = lib.layers.Dense(1)(c)
    return {"a": a, "b": b, "c": c, "ab": ab, "out": out, "side": side}


def names(tensors):
    return [t.name for t in tensors]


def test_sources_match_keras():
    ours, theirs = build(sloi), build(keras)
    for key in ours:
        got = get_source_inputs(ours[key])
        assert isinstance(got, list)
        assert names(got) == names(keras.utils.get_source_inputs(theirs[key]))
    assert get_source_inputs(ours["out"])[0] is ours["a"]
    assert names(get_source_inputs(ours["out"])) == ["a", "b"]  # each input once


def test_ops_and_models_lead_back_to_their_inputs():
    a = sloi.Input(shape=(3,), name="x")
    y = sloi.ops.mean(a * 2.0, axis=-1)
    assert len(get_source_inputs(y)) == 1 and get_source_inputs(y)[0] is a
    inner = sloi.Model(a, sloi.layers.Dense(2)(a))
    z = sloi.Input(shape=(3,), name="z")
    assert get_source_inputs(inner(z))[0] is z


def test_what_is_not_symbolic_comes_back_as_is():
    x = np.ones(3)
    assert get_source_inputs(x) is x is keras.utils.get_source_inputs(x)
