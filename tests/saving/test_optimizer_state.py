import math

import numpy as np
import pytest
import torch

import sloi
from sloi.saving import FileFormatError
from sloi.saving import optimizer_state as opt_state


def test_round_trip_keeps_types():
    state = {"iterations": 3, "learning_rate": 0.5, "inf": math.inf, "none": None,
             "torch_optimizer": {"state": {0: {"step": torch.tensor(3.0),
                                               "exp_avg": torch.ones(2, 2)}},
                                 "param_groups": [{"betas": (0.9, 0.999), "params": [0]}]},
             "__odd": True}
    tensors, text = opt_state.to_bytes(state)
    back = opt_state.from_bytes(tensors, text, "x")
    assert back["torch_optimizer"]["state"][0]["exp_avg"].shape == (2, 2)
    assert back["torch_optimizer"]["param_groups"][0]["betas"] == (0.9, 0.999)
    assert back["inf"] == math.inf and back["none"] is None and back["__odd"] is True
    assert list(back["torch_optimizer"]["state"]) == [0]


def test_no_pickle_only_plain_values():
    with pytest.raises(TypeError, match="Cannot store optimizer state value of type object at a"):
        opt_state.flatten({"a": object()})


def test_references_to_missing_tensors_are_refused():
    tensors, _ = opt_state.to_bytes({"a": torch.ones(1)})
    with pytest.raises(FileFormatError, match='refers to tensor "b", which is not stored'):
        opt_state.from_bytes(tensors, b'{"a": {"__tensor__": "b"}}', "x")
    with pytest.raises(FileFormatError, match="do not match their index"):
        opt_state.from_bytes(tensors, b'{"a": 1}', "x")
    with pytest.raises(FileFormatError, match="optimizer.json is not valid JSON"):
        opt_state.from_bytes(tensors, b"{", "x")


def _trained_adam(units):
    x = sloi.Input((3,))
    model = sloi.Model(x, sloi.layers.Dense(units)(x))
    model.compile(sloi.optimizers.Adam(), "mse")
    model.fit(np.ones((4, 3)), np.ones((4, units)), verbose=0)
    return model


def test_state_is_checked_against_the_weights():
    a, b = _trained_adam(2), _trained_adam(5)
    state = a.optimizer.state_dict()
    opt_state.check_against(sloi.optimizers.Adam, state, list(a.trainable_weights), "x")
    with pytest.raises(FileFormatError, match=r'optimizer state "exp_avg" of weight 0 has '
                                              r"shape \(3, 2\); the weight has \(3, 5\)"):
        opt_state.check_against(sloi.optimizers.Adam, state, list(b.trainable_weights), "x")
