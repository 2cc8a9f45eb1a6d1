"""``sloi.engine.module_tools``: the walks over torch modules that every predict and fit make."""

from __future__ import annotations

import torch
from torch import nn

import sloi
from sloi import layers as L
from sloi.engine.module_tools import all_modules, first_parameter, layer_list


def _models():
    x = L.Input((4, 3))
    functional = sloi.Model(x, L.Dense(2)(L.RNN([L.LSTMCell(3), L.GRUCell(2)])(x)))
    sequential = sloi.Sequential([L.Input((3,)), L.Dropout(0.5), L.Dense(2)])
    nested = sloi.Sequential([L.Input((3,)), sequential, L.Dense(1)])
    return [functional, sequential, nested, L.Flatten(), nn.Sequential(nn.ReLU(), nn.Linear(2, 2))]


def test_a_new_model_and_its_containers_are_in_inference_mode():
    for model in _models()[:3]:
        assert [type(m).__name__ for m in model.modules() if m.training] == []
    assert not layer_list([L.Dense(1)]).training


def test_predict_changes_no_mode_it_does_not_restore():
    model = _models()[1]
    model.compile(optimizer="sgd", loss="mse")
    before = [m.training for m in model.modules()]
    model.predict(torch.randn(4, 3).numpy(), verbose=0)
    model.fit(torch.randn(4, 3).numpy(), torch.randn(4, 2).numpy(), verbose=0)
    assert [m.training for m in model.modules()] == before


def test_first_parameter_is_the_first_of_parameters():
    for model in _models():
        assert first_parameter(model) is next(iter(model.parameters()), None)


def test_all_modules_lists_what_modules_lists():
    for model in _models():
        assert {id(m) for m in all_modules(model)} == {id(m) for m in model.modules()}
    shared = nn.Linear(2, 2)
    twice = nn.Sequential(shared, nn.ReLU(), shared)
    assert len(all_modules(twice)) == 4 and len(list(twice.modules())) == 3  # listed twice
