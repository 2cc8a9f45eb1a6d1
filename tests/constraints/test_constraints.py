"""sloi.constraints against keras.constraints (torch backend) on the same weights."""

import keras
import numpy as np
import pytest
import torch

from sloi import constraints


def _weight(shape, dtype=torch.float32):
    gen = torch.Generator().manual_seed(11)
    return (torch.randn(shape, generator=gen) * 1.5).to(dtype)


CASES = [
    ("MaxNorm", {}), ("MaxNorm", {"max_value": 1.5, "axis": 1}),
    ("NonNeg", {}),
    ("UnitNorm", {}), ("UnitNorm", {"axis": 1}),
    ("MinMaxNorm", {}), ("MinMaxNorm", {"min_value": 1.0, "max_value": 2.0, "rate": 0.5}),
    ("MinMaxNorm", {"min_value": 3.0, "max_value": 5.0, "axis": -1}),
]


@pytest.mark.parametrize(("name", "kwargs"), CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_matches_keras_dense_kernel(name, kwargs):
    w = _weight((6, 4))
    ours = getattr(constraints, name)(**kwargs)(w)
    theirs = getattr(keras.constraints, name)(**kwargs)(w.clone())
    assert ours.shape == w.shape and ours.dtype == w.dtype
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), atol=1e-6, rtol=1e-6)


@pytest.mark.parametrize("name", ["MaxNorm", "UnitNorm", "MinMaxNorm"])
@pytest.mark.parametrize("axis", [[0, 1, 2], (0, 1, 2), 3])
def test_matches_keras_conv_kernel(name, axis):
    w = _weight((3, 3, 4, 8))
    ours = getattr(constraints, name)(axis=axis)(w)
    theirs = getattr(keras.constraints, name)(axis=axis)(w.clone())
    np.testing.assert_allclose(ours.numpy(), np.asarray(theirs), atol=1e-6, rtol=1e-6)


def test_projections():
    w = _weight((6, 4))
    norms = constraints.MaxNorm(1.0)(w).norm(dim=0)
    assert (norms <= 1.0 + 1e-6).all()
    torch.testing.assert_close(constraints.UnitNorm()(w).norm(dim=0), torch.ones(4))
    mm = constraints.MinMaxNorm(min_value=2.0, max_value=3.0)(w).norm(dim=0)
    assert ((mm >= 2.0 - 1e-5) & (mm <= 3.0 + 1e-5)).all()
    assert (constraints.NonNeg()(w) >= 0).all()
    assert constraints.Constraint()(w) is w


def test_float64_kept():
    w = _weight((5, 5), dtype=torch.float64)
    out = constraints.MaxNorm(1.0)(w)
    assert out.dtype == torch.float64
    np.testing.assert_allclose(out.numpy(), np.asarray(keras.constraints.MaxNorm(1.0)(w.clone())),
                               rtol=1e-12)


def test_function_style_names_are_the_classes():
    assert constraints.max_norm is constraints.MaxNorm
    assert constraints.non_neg is constraints.NonNeg
    assert constraints.unit_norm is constraints.UnitNorm
    assert constraints.min_max_norm is constraints.MinMaxNorm


def test_get_every_keras_name():
    from keras.src.constraints import ALL_OBJECTS_DICT

    for name, cls in ALL_OBJECTS_DICT.items():
        if name.lower() == "constraint":
            continue
        ours = constraints.get(name)
        assert type(ours).__name__ == cls.__name__
        assert ours.get_config() == cls().get_config()


def test_get_unknown_and_other_identifiers():
    with pytest.raises(ValueError, match="'max_nrom'"):
        constraints.get("max_nrom")
    with pytest.raises(ValueError):
        constraints.get(2)
    assert constraints.get(None) is None
    c = constraints.MaxNorm(3)
    assert constraints.get(c) is c
    assert isinstance(constraints.get(constraints.NonNeg), constraints.NonNeg)
    assert constraints.get(torch.abs) is torch.abs


@pytest.mark.parametrize("constraint", [
    constraints.MaxNorm(3, axis=[0, 1, 2]), constraints.NonNeg(), constraints.UnitNorm(axis=1),
    constraints.MinMaxNorm(0.5, 2.0, rate=0.3, axis=0),
], ids=lambda c: type(c).__name__)
def test_config_round_trip_and_keras_parity(constraint):
    config = constraint.get_config()
    assert type(constraint).from_config(config).get_config() == config
    serialized = constraints.serialize(constraint)
    assert serialized == {"class_name": type(constraint).__name__, "config": config}
    assert constraints.get(serialized).get_config() == config
    keras_constraint = keras.constraints.deserialize(serialized)
    assert keras_constraint.get_config() == config
    assert constraints.get(keras.constraints.serialize(keras_constraint)).get_config() == config
