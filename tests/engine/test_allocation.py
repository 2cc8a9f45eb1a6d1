"""The weight budget that loads build models in (sloi/engine/allocation.py)."""

import pytest
import torch

import sloi
from sloi.engine import allocation


class _RefusedFile(ValueError):
    pass


def test_outside_a_budget_weights_are_created_as_always():
    assert allocation._BUDGET.get() is None
    layer = sloi.layers.Dense(3000)
    layer.build((None, 3000))  # 36 MB: more than some budgets below, no budget here
    assert layer.kernel.shape == (3000, 3000)


def test_the_weight_over_the_budget_is_refused_before_it_is_allocated():
    layer = sloi.layers.Dense(300_000_000, name="wide")
    with allocation.weight_budget(1000, '"f.sloi"', _RefusedFile):
        with pytest.raises(_RefusedFile, match=r'"f.sloi": layer "wide" \(Dense\) would create '
                                               r'the weight "kernel" of shape \(5, 300000000\) '
                                               r"\(5,722.0 MiB\).*the file holds 0.0 MiB of "
                                               r"weights.*Nothing was allocated"):
            layer.build((None, 5))
    assert not hasattr(layer, "kernel") or layer.kernel is None
    assert allocation._BUDGET.get() is None  # reset on the way out


def test_the_budget_counts_every_weight_of_the_model():
    held = 10 * 2**20
    limit = allocation.limit_for(held)
    assert limit == 2 * held + allocation.SLACK_BYTES
    units = limit // 4 // 1000 // 2 + 1  # two such layers take just over the limit
    with allocation.weight_budget(held, "f", _RefusedFile):
        first = sloi.layers.Dense(units, use_bias=False, name="first")
        first.build((None, 1000))
        second = sloi.layers.Dense(units, use_bias=False, name="second")
        with pytest.raises(_RefusedFile, match='layer "second"'):
            second.build((None, 1000))


def test_a_negative_dimension_is_refused():
    layer = sloi.layers.Layer(name="odd")
    with allocation.weight_budget(0, "f", _RefusedFile), pytest.raises(
            _RefusedFile, match=r'layer "odd" \(Layer\) would create the weight "w" of shape '
                                r"\(-1, 3\), which has a negative dimension"):
        layer.add_weight("w", (-1, 3))


def test_the_budget_uses_the_weights_dtype():
    layer = sloi.layers.Layer(name="halves")
    with allocation.weight_budget(0, "f", _RefusedFile):
        # 48 MiB in float16 fits the 64 MiB slack; in float64 it would not
        layer.add_weight("w", (24 * 2**20,), dtype="float16")
        assert layer.w.dtype == torch.float16
        with pytest.raises(_RefusedFile, match="48.0 MiB"):
            layer.add_weight("v", (6 * 2**20,), dtype="float64")
