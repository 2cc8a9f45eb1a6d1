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


def _steps(optimizer, weights, count, through_torch=False):
    """``count`` steps on fixed gradients; with ``through_torch``, every step goes through
    ``torch.optim.Adam.step`` (the path sloi's direct kernel call must equal)."""
    if through_torch:
        optimizer._torch_step = optimizer.torch_optimizer.step
    for _ in range(count):
        optimizer.zero_grad()
        for j, w in enumerate(weights):
            w.grad = torch.full_like(w, 0.1 * (optimizer.iterations + 1) * (j - 1))
        optimizer.step()


def _weights():
    gen = torch.Generator().manual_seed(0)
    return [torch.nn.Parameter(torch.randn(shape, generator=gen)) for shape in ((5, 3), (3,))]


@pytest.mark.parametrize("cls, kwargs", [
    (optimizers.Adam, {}),
    (optimizers.AdamW, {"weight_decay": 0.1}),
    (optimizers.Adam, {"amsgrad": True}),
], ids=["adam", "adamw", "amsgrad"])
def test_the_direct_fused_step_equals_torchs_own_step(cls, kwargs, monkeypatch):
    direct, plain = _weights(), _weights()
    ours, theirs = cls(learning_rate=0.1, **kwargs), cls(learning_rate=0.1, **kwargs)
    ours.build(direct)
    theirs.build(plain)
    _steps(ours, direct, 1)  # the first step creates torch's state, through torch
    calls, torch_step = [], ours.torch_optimizer.step
    monkeypatch.setattr(ours.torch_optimizer, "step", lambda: calls.append(torch_step()))
    _steps(ours, direct, 4)
    # AMSGrad keeps a maximum the direct call does not pass: it steps through torch
    assert len(calls) == (4 if kwargs.get("amsgrad") else 0)
    _steps(theirs, plain, 5, through_torch=True)
    for mine, torchs in zip(direct, plain):
        assert torch.equal(mine, torchs)
    for w, v in zip(direct, plain):
        state, torch_state = ours.torch_optimizer.state[w], theirs.torch_optimizer.state[v]
        assert state["step"].item() == torch_state["step"].item() == 5
        assert torch.equal(state["exp_avg"], torch_state["exp_avg"])
        assert torch.equal(state["exp_avg_sq"], torch_state["exp_avg_sq"])


def test_a_hook_on_the_torch_optimizer_still_runs_at_every_step():
    weights = _weights()
    optimizer = optimizers.Adam(learning_rate=0.1)
    optimizer.build(weights)
    _steps(optimizer, weights, 1)
    seen = []
    optimizer.torch_optimizer.register_step_post_hook(lambda opt, args, kwargs: seen.append(1))
    _steps(optimizer, weights, 3)
    assert seen == [1, 1, 1]
