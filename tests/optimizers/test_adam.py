"""sloi.optimizers.Adam / AdamW against Keras on the same weights and gradients."""

import keras
import pytest
import torch

from sloi import optimizers
from sloi.optimizers import adam as adam_module
from tests.optimizers.optimizer_parity import assert_same_steps

CASES = [
    {},
    {"learning_rate": 0.01, "beta_1": 0.8, "beta_2": 0.99},
    {"amsgrad": True},
    # A large epsilon with small gradients makes its placement (Keras's "epsilon hat") count.
    {"epsilon": 0.1, "learning_rate": 0.1},
    {"epsilon": 0.1, "amsgrad": True, "learning_rate": 0.1},
]


@pytest.fixture(params=["fused", "foreach"])
def kernel(request, monkeypatch):
    """Runs a test on torch's fused Adam and on its foreach Adam."""
    if request.param == "foreach":
        monkeypatch.setattr(adam_module, "fast_kwargs", lambda cls, params: {"foreach": True})
    return request.param


@pytest.mark.parametrize("kwargs", CASES, ids=str)
def test_adam_matches_keras(kwargs, kernel):
    ours = optimizers.Adam(**kwargs)
    assert_same_steps(
        ours, keras.optimizers.Adam(**kwargs), scale=0.01, steps=6, update_rtol=1e-5
    )
    assert ours.torch_optimizer.defaults[kernel]


@pytest.mark.parametrize(
    "kwargs", [{}, {"weight_decay": 0.1, "learning_rate": 0.05}, {"amsgrad": True}], ids=str
)
def test_adamw_matches_keras(kwargs, kernel):
    assert_same_steps(
        optimizers.AdamW(**kwargs), keras.optimizers.AdamW(**kwargs), update_rtol=1e-5
    )


def test_adam_with_weight_decay_matches_keras():
    kwargs = {"weight_decay": 0.2, "learning_rate": 0.05}
    assert_same_steps(optimizers.Adam(**kwargs), keras.optimizers.Adam(**kwargs), update_rtol=1e-5)


def test_weight_decay_runs_inside_torch_adam():
    opt = optimizers.AdamW(weight_decay=0.01)
    opt.build([torch.nn.Parameter(torch.ones(2))])
    group = opt.torch_optimizer.param_groups[0]
    assert group["weight_decay"] == 0.01 and group["decoupled_weight_decay"]
    assert opt._decayed == []  # not applied a second time by the base class


def test_adamw_needs_weight_decay():
    with pytest.raises(ValueError, match="weight_decay"):
        optimizers.AdamW(weight_decay=None)


def test_defaults_and_config_match_keras():
    for name in ("Adam", "AdamW"):
        ours = getattr(optimizers, name)().get_config()
        theirs = getattr(keras.optimizers, name)().get_config()
        ours.pop("name"), theirs.pop("name")
        assert ours.keys() == theirs.keys()
        for key, value in theirs.items():
            if isinstance(value, float):
                assert ours[key] == pytest.approx(value, rel=1e-6), key
            else:
                assert ours[key] == value, key
