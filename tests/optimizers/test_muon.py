"""sloi.optimizers.Muon against keras.optimizers.Muon."""

import keras
import numpy as np
import pytest
import torch

from sloi import optimizers
from sloi.optimizers.muon import zeropower_via_newtonschulz5
from tests.optimizers.optimizer_parity import (
    assert_config_round_trip,
    assert_same_steps,
    assert_state_round_trip,
    gradient_sequence,
)

# A tall and a wide matrix (Muon), a vector and a rank-3 weight (AdamW).
SHAPES = [(4, 3), (3, 5), (3,), (2, 2, 2)]
CASES = [
    {},
    {"learning_rate": 0.05, "nesterov": False, "rms_rate": None, "momentum": 0.9},
    {"learning_rate": 0.02, "adam_lr_ratio": 0.1, "weight_decay": 0.1,
     "adam_weight_decay": 0.2, "ns_steps": 3},
    {"learning_rate": 0.02, "weight_decay": None, "adam_weight_decay": 0.1},
]


def _named_steps(optimizer, names, weights, grads, module):
    """Weights after the steps, the weights named `names` (Keras: variable paths)."""
    if module is keras:
        variables = [keras.Variable(w, name=n) for w, n in zip(weights, names)]
        for step in grads:
            optimizer.apply([keras.ops.convert_to_tensor(g) for g in step], variables)
        return [keras.ops.convert_to_numpy(v.value) for v in variables]
    params = [torch.nn.Parameter(torch.tensor(w)) for w in weights]
    optimizer.build(list(zip(names, params)))
    for step in grads:
        for p, g in zip(params, step):
            p.grad = torch.tensor(g)
        optimizer.step()
    return [p.detach().numpy() for p in params]


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_matches_keras(kwargs):
    # Newton-Schulz iterations amplify float32 rounding a little: 1e-5.
    assert_same_steps(optimizers.Muon(**kwargs), keras.optimizers.Muon(**kwargs),
                      atol=1e-5, update_rtol=1e-4)


def test_unnamed_shapes_match_keras():
    weights, grads = gradient_sequence(4, shapes=SHAPES)
    names = ["a", "b", "c", "d"]
    ours = _named_steps(optimizers.Muon(0.05), names, weights, grads, torch)
    theirs = _named_steps(keras.optimizers.Muon(0.05), names, weights, grads, keras)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-5)


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"exclude_embeddings": False}, {"exclude_layers": ["dense_.*kernel"]}],
    ids=str,
)
def test_names_choose_adamw_as_keras(kwargs):
    shapes = [(4, 3), (5, 3), (3, 3)]
    names = ["token_embedding", "dense_1_kernel", "other"]
    weights, grads = gradient_sequence(4, shapes=shapes, seed=1)
    ours = _named_steps(optimizers.Muon(0.05, **kwargs), names, weights, grads, torch)
    theirs = _named_steps(keras.optimizers.Muon(0.05, **kwargs), names, weights, grads, keras)
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_exclude_from_weight_decay_as_keras():
    names = ["kernel", "bias_matrix", "gamma"]
    weights, grads = gradient_sequence(3, shapes=[(4, 3), (3, 3), (3,)], seed=2)
    results = []
    for module in (torch, keras):
        optimizer = (optimizers if module is torch else keras.optimizers).Muon(
            0.05, weight_decay=0.5, adam_weight_decay=0.5
        )
        optimizer.exclude_from_weight_decay(var_names=["bias"])
        results.append(_named_steps(optimizer, names, weights, grads, module))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, atol=1e-5)


def test_newton_schulz_matches_keras():
    x = np.random.default_rng(3).standard_normal((2, 5, 3)).astype("float32")
    keras_muon = keras.optimizers.Muon()
    expected = keras.ops.convert_to_numpy(keras_muon.zeropower_via_newtonschulz5(
        keras.ops.convert_to_tensor(x), 5))
    got = zeropower_via_newtonschulz5(torch.tensor(x), 5, 3.4445, -4.7750, 2.0315)
    np.testing.assert_allclose(got.numpy(), expected, atol=1e-5)
    with pytest.raises(ValueError, match="at least 2 dimensions"):
        zeropower_via_newtonschulz5(torch.ones(3), 5, 3.4445, -4.7750, 2.0315)


def test_config_and_state():
    kwargs = {"learning_rate": 0.02, "exclude_layers": ["head"], "momentum": 0.9,
              "adam_lr_ratio": 0.5, "rms_rate": 0.3}
    assert_config_round_trip(optimizers.Muon(**kwargs), keras.optimizers.Muon(**kwargs))
    assert_state_round_trip(lambda: optimizers.Muon(**kwargs))
